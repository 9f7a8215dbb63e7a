import { describe, expect, it } from 'vitest';
import { notText } from '../src/codec/types.js';
import { snortCodec } from './snort/codec.js';
import { suricataCodec } from './suricata/codec.js';
import { zeekCodec } from './zeek/codec.js';

describe('a file that is not of the codec’s format', () => {
  it('is told by its first bytes: captures, executables, binary content, and for Zeek and EVE the first character', () => {
    const pcap = Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    expect(notText(pcap)).toBe('a packet capture (pcap)');
    expect(notText(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0x1c]))).toBe('a packet capture (pcap)');
    expect(notText(Buffer.from('\u007fELF\u0002\u0001'))).toBe('an executable');
    expect(notText(Buffer.from('#separator \\x09\n#fields\tts\n1521911720.5\n'))).toBeUndefined();
    expect(notText(Buffer.from('{"n":"grüße"}\n'))).toBeUndefined();
    expect(notText(Buffer.from([0x41, 0x00, 0x42]))).toBe('binary content');
    expect(zeekCodec.refuses?.(pcap)).toBe('not a Zeek log: a packet capture (pcap)');
    expect(zeekCodec.refuses?.(Buffer.from('10.0.0.1 - - [21/Nov/2026] "GET /"\n'))).toMatch(
      /^not a Zeek log: neither/,
    );
    expect(zeekCodec.refuses?.(Buffer.from('{"ts":1}\n'))).toBeUndefined();
    expect(suricataCodec.refuses?.(Buffer.from('hello\n'))).toMatch(/^not a Suricata EVE log/);
    expect(snortCodec.refuses?.(Buffer.from('[**] [1:1:1] x [**]\n'))).toBeUndefined();
  });
});
