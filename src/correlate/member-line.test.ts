import { describe, expect, it } from 'vitest';
import { memberKind, memberLine } from './member-line.js';

const ends = { source: { ip: '10.0.0.5', port: 51000 }, destination: { ip: '192.0.2.7', port: 443 } };

describe('a session member as one line', () => {
  it('reads a Zeek dns record: question, type and answers, the rest counted', () => {
    const doc = {
      event: { dataset: 'flowtrail.zeek_dns' },
      dns: {
        question: { name: 'example.com', type: 'A' },
        answers: ['1', '2', '3', '4', '5', '6', '7'].map((n) => ({ data: `192.0.2.${n}` })),
      },
      ...ends,
    };
    expect(memberKind(doc)).toBe('dns');
    expect(memberLine(doc)).toBe(
      'dns A example.com -> 192.0.2.1, 192.0.2.2, 192.0.2.3, 192.0.2.4, 192.0.2.5 (+2)',
    );
    expect(memberLine({ ...doc, dns: { question: { name: 'nx.example' }, response_code: 'NXDOMAIN' } })).toBe(
      'dns nx.example -> NXDOMAIN',
    );
  });

  it('reads a Zeek files record as its file, and an x509 record as its certificate', () => {
    expect(
      memberLine({
        event: { dataset: 'flowtrail.zeek_files' },
        file: { name: 'a.exe', mime_type: 'application/x-dosexec', size: 10, hash: { md5: 'm', sha1: 's' } },
        url: { original: '/a.exe' },
      }),
    ).toBe('file a.exe application/x-dosexec 10 bytes sha1 s');
    expect(
      memberLine({
        event: { dataset: 'flowtrail.zeek_x509' },
        zeek: { x509: { certificate: { subject: 'CN=a', issuer: 'CN=ca' } } },
      }),
    ).toBe('certificate CN=a issued by CN=ca');
  });

  it('reads an alert, a flow and a record without an ECS profile', () => {
    expect(
      memberLine({
        event: { kind: 'alert', dataset: 'flowtrail.alerts' },
        rule: { id: '7', name: 'bad' },
        ...ends,
      }),
    ).toBe('alert [7] bad 10.0.0.5:51000 -> 192.0.2.7:443');
    expect(
      memberLine({
        event: { dataset: 'flowtrail.flows' },
        network: { transport: 'tcp', bytes: 60, packets: 1 },
        flowtrail: { tcp_flags: ['SYN'], observer: 'r1' },
        ...ends,
      }),
    ).toBe('flow tcp 10.0.0.5:51000 -> 192.0.2.7:443 60 bytes 1 packets [SYN] (r1)');
    expect(
      memberLine({
        event: { dataset: 'flowtrail.zeek_weird', action: 'bad_TCP_checksum' },
        zeek: { weird: { name: 'bad_TCP_checksum' } },
        ...ends,
      }),
    ).toBe('weird bad_TCP_checksum 10.0.0.5:51000 -> 192.0.2.7:443');
  });
});
