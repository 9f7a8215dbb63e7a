import { describe, expect, it } from 'vitest';
import { initiatorOf } from './roles.js';

const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

describe('who opened the conversation a flow record belongs to', () => {
  it('is the source when the source says so', () => {
    expect(
      initiatorOf({ protocol: 6, sourcePort: 443, destinationPort: 40000, sourceIsInitiator: true }),
    ).toBe('source');
  });

  it('reads TCP flags first: a SYN without an ACK opens, a reply carries an ACK', () => {
    // A scanner's probe, and nmap's RST after an open port answered.
    expect(initiatorOf({ protocol: 6, sourcePort: 34311, destinationPort: 22, tcpFlags: SYN })).toBe(
      'source',
    );
    expect(initiatorOf({ protocol: 6, sourcePort: 34311, destinationPort: 22, tcpFlags: SYN | RST })).toBe(
      'source',
    );
    // A client on a well-known port probing a high one (a SYN scan from source port 80) is still the opener.
    expect(initiatorOf({ protocol: 6, sourcePort: 80, destinationPort: 50000, tcpFlags: SYN })).toBe(
      'source',
    );
    // The refusal of a closed port and the answer of an open one belong to the scanner's conversation.
    expect(initiatorOf({ protocol: 6, sourcePort: 22, destinationPort: 34311, tcpFlags: RST | ACK })).toBe(
      'destination',
    );
    expect(initiatorOf({ protocol: 6, sourcePort: 22, destinationPort: 34311, tcpFlags: SYN | ACK })).toBe(
      'destination',
    );
  });

  it('reads an established session both ways by its ports', () => {
    const both = SYN | ACK | PSH | FIN;
    expect(initiatorOf({ protocol: 6, sourcePort: 45000, destinationPort: 5201, tcpFlags: both })).toBe(
      'source',
    );
    expect(initiatorOf({ protocol: 6, sourcePort: 5201, destinationPort: 45000, tcpFlags: both })).toBe(
      'destination',
    );
    // Registered beats ephemeral, well-known beats registered; of two alike, the lower port is the service.
    expect(initiatorOf({ protocol: 6, sourcePort: 1025, destinationPort: 8080 })).toBe('destination');
    expect(initiatorOf({ protocol: 6, sourcePort: 8080, destinationPort: 1025 })).toBe('source');
    expect(initiatorOf({ protocol: 17, sourcePort: 53, destinationPort: 33000 })).toBe('destination');
    expect(initiatorOf({ protocol: 17, sourcePort: 33000, destinationPort: 53 })).toBe('source');
    expect(initiatorOf({ protocol: 17, sourcePort: 123, destinationPort: 123 })).toBe('source');
  });

  it('reads ICMP by its type: requests open, replies and errors answer', () => {
    expect(initiatorOf({ protocol: 1, sourcePort: 8, destinationPort: 0 })).toBe('source');
    expect(initiatorOf({ protocol: 1, sourcePort: 0, destinationPort: 0 })).toBe('destination');
    expect(initiatorOf({ protocol: 1, sourcePort: 3, destinationPort: 3 })).toBe('destination');
    expect(initiatorOf({ protocol: 58, sourcePort: 128, destinationPort: 0 })).toBe('source');
    expect(initiatorOf({ protocol: 58, sourcePort: 129, destinationPort: 0 })).toBe('destination');
    expect(initiatorOf({ protocol: 1 })).toBe('source');
  });

  it('takes the source for protocols without ports', () => {
    expect(initiatorOf({ protocol: 47 })).toBe('source');
    expect(initiatorOf({ protocol: 6 })).toBe('source');
  });
});
