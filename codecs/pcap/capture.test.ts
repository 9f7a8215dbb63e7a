import { describe, expect, it } from 'vitest';
import {
  ethernet,
  type Frame,
  ipv4,
  ipv6,
  pcapFile,
  pcapngFile,
  sll,
  sll2,
  TCP,
  tcpHeader,
  udpHeader,
} from '../../test/support/packets.js';
import { readFlows } from './flow-records.js';
import { createCaptureMeter, meterUnavailable } from './meter.js';

const T0 = Date.UTC(2026, 10, 21, 22, 5, 34) + 0.25;
const V4 = { source: '10.0.0.1', destination: '192.0.2.7' };
const V6 = { source: '2001:db8::1', destination: '2001:db8::2' };

/** IP packets of a TCP exchange (v4) and a UDP one (v6). */
function ipPackets(): Array<{ ts: number; ip: Buffer }> {
  return [
    { ts: T0, ip: ipv4(V4, { protocol: 6 }, tcpHeader(40000, 80, TCP.SYN)) },
    {
      ts: T0 + 1.5,
      ip: ipv4(
        { source: V4.destination, destination: V4.source },
        { protocol: 6 },
        tcpHeader(80, 40000, TCP.SYN | TCP.ACK),
      ),
    },
    { ts: T0 + 2, ip: ipv6(V6, 17, udpHeader(5353, 53, 40)) },
  ];
}

/** What the meter made of a capture fed in pieces of `piece` bytes. */
function meterBytes(capture: Buffer, piece = capture.length) {
  const m = createCaptureMeter();
  let readable = true;
  for (let at = 0; at < capture.length && readable; at += piece)
    readable = m.push(capture.subarray(at, at + piece));
  const complete = m.end();
  const records = m.take();
  return { readable, complete, flows: records === undefined ? [] : readFlows(records), stats: m.stats() };
}

function summary(flows: ReturnType<typeof readFlows>) {
  return flows.map((f) => [
    f.protocol,
    f.sourceIp,
    f.sourcePort,
    f.packets,
    f.reversePackets,
    f.bytes,
    f.start,
    f.end,
  ]);
}

const EXPECTED = [
  [6, '10.0.0.1', 40000, 1, 1, 40, T0, T0 + 1.5],
  [17, '2001:db8::1', 5353, 1, 0, 88, T0 + 2, T0 + 2],
];

const framed = (wrap: (ip: Buffer) => Buffer): Frame[] =>
  ipPackets().map(({ ts, ip }) => ({ ts, data: wrap(ip) }));

describe.skipIf(meterUnavailable() !== undefined)('reading captures', () => {
  it.each([
    ['pcap, little-endian, Ethernet', pcapFile(framed((ip) => ethernet(ip)))],
    [
      'pcap, big-endian',
      pcapFile(
        framed((ip) => ethernet(ip)),
        { bigEndian: true },
      ),
    ],
    [
      'pcap, nanosecond times',
      pcapFile(
        framed((ip) => ethernet(ip)),
        { nanoseconds: true },
      ),
    ],
    ['pcap, 802.1Q VLAN', pcapFile(framed((ip) => ethernet(ip, [7])))],
    ['pcap, QinQ', pcapFile(framed((ip) => ethernet(ip, [100, 7])))],
    ['pcap, Linux cooked (SLL)', pcapFile(framed(sll), { linktype: 113 })],
    ['pcap, Linux cooked v2 (SLL2)', pcapFile(framed(sll2), { linktype: 276 })],
    [
      'pcap, raw IP',
      pcapFile(
        framed((ip) => ip),
        { linktype: 101 },
      ),
    ],
    ['pcapng, microseconds', pcapngFile(framed((ip) => ethernet(ip)))],
    [
      'pcapng, nanoseconds',
      pcapngFile(
        framed((ip) => ethernet(ip)),
        [1],
        9,
      ),
    ],
  ])('%s', (_name, capture) => {
    const whole = meterBytes(capture);
    expect(whole).toMatchObject({ readable: true, complete: true });
    expect(summary(whole.flows)).toEqual(EXPECTED);
    // The same flows however the bytes are cut into chunks: a record split across pushes is put together.
    for (const piece of [1, 7, 100]) expect(summary(meterBytes(capture, piece).flows)).toEqual(EXPECTED);
  });

  it('pcapng: each interface has its own link type', () => {
    const frames = ipPackets().map(({ ts, ip }, i) =>
      i === 2 ? { ts, data: ip, interfaceId: 1 } : { ts, data: ethernet(ip), interfaceId: 0 },
    );
    expect(summary(meterBytes(pcapngFile(frames, [1, 101])).flows)).toEqual(EXPECTED);
  });

  it('frames cut by the snap length count the IP length their headers state', () => {
    const frames = framed((ip) => ethernet(ip)).map((f) => ({ ...f, captured: 14 + 48 }));
    const { flows } = meterBytes(pcapFile(frames));
    expect(summary(flows)).toEqual(EXPECTED);
  });

  it('a capture cut short keeps the flows of its complete records and says so', () => {
    const capture = pcapFile(framed((ip) => ethernet(ip)));
    const { readable, complete, flows, stats } = meterBytes(capture.subarray(0, capture.length - 10));
    expect(readable).toBe(true);
    expect(complete).toBe(false);
    expect(stats.error).toMatch(/^capture cut short: its last record is incomplete/);
    expect(stats.frames).toBe(2);
    expect(summary(flows)).toEqual([EXPECTED[0]]);
  });

  it('a damaged record length stops reading there, keeping what came before', () => {
    const capture = pcapFile(framed((ip) => ethernet(ip)));
    // The third record's captured length (offset 24 + two records) made absurd.
    const second = 24 + 16 + (14 + 40);
    const third = second + 16 + (14 + 40);
    capture.writeUInt32LE(0x7fffffff, third + 8);
    const { readable, flows, stats } = meterBytes(capture);
    expect(readable).toBe(false);
    expect(stats.error).toMatch(/record length out of range/);
    expect(stats.errorOffset).toBe(third);
    expect(summary(flows)).toEqual([EXPECTED[0]]);
  });

  it('refuses bytes that are no capture, and an empty file', () => {
    const garbage = meterBytes(Buffer.from('#separator \\x09\n#fields ts uid\n'));
    expect(garbage.readable).toBe(false);
    expect(garbage.stats.error).toBe('not a pcap or pcapng capture (unknown magic number)');
    const empty = meterBytes(Buffer.alloc(0));
    expect(empty.complete).toBe(false);
    expect(empty.stats.error).toBe('empty: no capture header');
  });
});
