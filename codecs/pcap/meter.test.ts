import { describe, expect, it } from 'vitest';
import {
  type Endpoints,
  ethernet,
  type Frame,
  icmpHeader,
  ipv4,
  ipv6,
  pcapFile,
  TCP,
  tcpHeader,
  udpHeader,
} from '../../test/support/packets.js';
import { type MeteredFlow, readFlows } from './flow-records.js';
import { createCaptureMeter, METER_DEFAULTS, type MeterOptions, meterUnavailable } from './meter.js';

const T0 = Date.UTC(2026, 10, 21, 22, 5, 34);
const CLIENT: Endpoints = { source: '10.0.0.1', destination: '192.0.2.7' };
const SERVER: Endpoints = { source: '192.0.2.7', destination: '10.0.0.1' };

/** One TCP segment: `fromClient` picks the direction; `payload` bytes of data. */
function seg(at: number, fromClient: boolean, flags: number, payload = 0, ports = [40000, 80]): Frame {
  const [c, s] = ports;
  const body = fromClient ? tcpHeader(c, s, flags, payload) : tcpHeader(s, c, flags, payload);
  return {
    ts: T0 + at,
    data: ethernet(ipv4(fromClient ? CLIENT : SERVER, { protocol: 6 }, body), [], !fromClient),
  };
}

function meter(frames: Frame[], options: Partial<MeterOptions> = {}) {
  const m = createCaptureMeter({ ...METER_DEFAULTS, ...options });
  expect(m.push(pcapFile(frames))).toBe(true);
  expect(m.end()).toBe(true);
  const records = m.take();
  return { flows: records === undefined ? [] : readFlows(records), stats: m.stats() };
}

function only(frames: Frame[]): MeteredFlow {
  const { flows } = meter(frames);
  expect(flows).toHaveLength(1);
  return flows[0];
}

const { SYN, ACK, FIN, RST, PSH } = TCP;

describe.skipIf(meterUnavailable() !== undefined)(
  'the TCP state machine (Zeek conn_state and history)',
  () => {
    it('a full connection is SF with each side’s letters once, its originator the SYN sender', () => {
      const f = only([
        seg(0, true, SYN),
        seg(1, false, SYN | ACK),
        seg(2, true, ACK),
        seg(3, true, PSH | ACK, 100),
        seg(4, false, PSH | ACK, 500),
        seg(5, true, ACK),
        seg(6, false, FIN | ACK),
        seg(7, true, FIN | ACK),
        seg(8, false, ACK),
      ]);
      expect(f).toMatchObject({ state: 'SF', history: 'ShADdfFa', sourceIp: '10.0.0.1', sourcePort: 40000 });
      expect(f).toMatchObject({ packets: 5, reversePackets: 4, initiatorKnown: true, endReason: 'end' });
      // IP bytes: 20 IP + 20 TCP (+ payload) per packet.
      expect(f.bytes).toBe(5 * 40 + 100);
      expect(f.reverseBytes).toBe(4 * 40 + 500);
      expect(f.sourceFlags).toBe(SYN | ACK | PSH | FIN);
      expect(f.sourceMac).toBe('02-00-00-00-00-0A');
      expect(f.destinationMac).toBe('02-00-00-00-00-0B');
      expect(f.end - f.start).toBe(8);
    });

    it.each([
      ['S0', 'S', [seg(0, true, SYN), seg(1000, true, SYN)]],
      ['REJ', 'Sr', [seg(0, true, SYN), seg(1, false, RST | ACK)]],
      ['RSTO', 'ShR', [seg(0, true, SYN), seg(1, false, SYN | ACK), seg(2, true, RST)]],
      [
        'RSTR',
        'ShADr',
        [
          seg(0, true, SYN),
          seg(1, false, SYN | ACK),
          seg(2, true, ACK),
          seg(3, true, ACK, 10),
          seg(4, false, RST),
        ],
      ],
      ['S1', 'ShA', [seg(0, true, SYN), seg(1, false, SYN | ACK), seg(2, true, ACK)]],
      ['SH', 'SF', [seg(0, true, SYN), seg(1, true, FIN)]],
      ['RSTOS0', 'SR', [seg(0, true, SYN), seg(1, true, RST)]],
      ['RSTRH', '^hr', [seg(0, false, SYN | ACK), seg(1, false, RST)]],
      ['SHR', '^hf', [seg(0, false, SYN | ACK), seg(1, false, FIN | ACK)]],
      ['OTH', 'Aa', [seg(0, true, ACK), seg(1, false, ACK)]],
      [
        'S2',
        'ShAF',
        [seg(0, true, SYN), seg(1, false, SYN | ACK), seg(2, true, ACK), seg(3, true, FIN | ACK)],
      ],
      [
        'S3',
        'ShAf',
        [seg(0, true, SYN), seg(1, false, SYN | ACK), seg(2, true, ACK), seg(3, false, FIN | ACK)],
      ],
    ] as const)('%s: history %s', (state, history, frames) => {
      expect(only([...frames])).toMatchObject({ state, history });
    });

    it('a SYN-ACK seen first makes its receiver the originator (^)', () => {
      const f = only([seg(0, false, SYN | ACK), seg(1, true, ACK), seg(2, true, ACK, 5)]);
      expect(f).toMatchObject({ sourceIp: '10.0.0.1', destinationIp: '192.0.2.7', destinationPort: 80 });
      expect(f.history.startsWith('^')).toBe(true);
    });

    it('a midstream flow does not claim to know its initiator', () => {
      expect(only([seg(0, true, ACK, 10)]).initiatorKnown).toBe(false);
    });

    it('a SYN after both ends closed starts a new connection on the same 5-tuple', () => {
      const { flows } = meter([
        seg(0, true, SYN),
        seg(1, false, RST | ACK),
        seg(500, true, SYN),
        seg(501, false, SYN | ACK),
        seg(502, true, ACK),
      ]);
      expect(flows.map((f) => [f.state, f.endReason, f.packets + f.reversePackets])).toEqual([
        ['REJ', 'reused', 2],
        ['S1', 'end', 3],
      ]);
    });
  },
);

describe.skipIf(meterUnavailable() !== undefined)('the flow meter', () => {
  it('UDP: an answered exchange is SF with history Dd, an unanswered one S0', () => {
    const query = (at: number, port: number) => ({
      ts: T0 + at,
      data: ethernet(ipv4(CLIENT, { protocol: 17 }, udpHeader(port, 53, 30))),
    });
    const answer = {
      ts: T0 + 5,
      data: ethernet(ipv4(SERVER, { protocol: 17 }, udpHeader(53, 5000, 90)), [], true),
    };
    const { flows } = meter([query(0, 5000), answer, query(10, 5001)]);
    expect(flows.map((f) => [f.sourcePort, f.state, f.history, f.bytes, f.reverseBytes])).toEqual([
      [5000, 'SF', 'Dd', 58, 118],
      [5001, 'S0', 'D', 58, 0],
    ]);
  });

  it('ICMP: an echo request and its reply are one flow, reported with type and code; an error is its own', () => {
    const { flows } = meter([
      { ts: T0, data: ethernet(ipv4(CLIENT, { protocol: 1 }, icmpHeader(8, 0, 56))) },
      { ts: T0 + 1, data: ethernet(ipv4(SERVER, { protocol: 1 }, icmpHeader(0, 0, 56)), [], true) },
      { ts: T0 + 2, data: ethernet(ipv4(SERVER, { protocol: 1 }, icmpHeader(3, 3, 28)), [], true) },
    ]);
    expect(
      flows.map((f) => [f.sourceIp, f.sourcePort, f.destinationPort, f.packets, f.reversePackets, f.state]),
    ).toEqual([
      ['10.0.0.1', 8, 0, 1, 1, 'OTH'],
      ['192.0.2.7', 3, 3, 1, 0, 'OTH'],
    ]);
  });

  it('an idle timeout ends a flow, and the next packet starts another', () => {
    const { flows } = meter([seg(0, true, ACK), seg(1_000, true, ACK), seg(62_000, true, ACK)], {
      idleTimeoutMs: 60_000,
    });
    expect(flows.map((f) => [f.endReason, f.packets])).toEqual([
      ['idle', 2],
      ['end', 1],
    ]);
  });

  it('a live clock (tick) ends idle flows when no packet follows, and only those', () => {
    const m = createCaptureMeter({ ...METER_DEFAULTS, idleTimeoutMs: 5_000 });
    const quiet = seg(0, true, ACK, 0, [40001, 80]);
    const busy = seg(4_000, true, ACK, 0, [40002, 80]);
    expect(m.push(pcapFile([quiet, busy]))).toBe(true);
    m.tick(T0 + 4_999);
    expect(m.take()).toBeUndefined();
    m.tick(T0 + 5_000);
    const ended = readFlows(m.take() ?? Buffer.alloc(0));
    expect(ended.map((f) => [f.sourcePort, f.endReason])).toEqual([[40001, 'idle']]);
    // A clock behind the packets' does not move the meter's back.
    m.tick(T0);
    m.tick(T0 + 8_999);
    expect(m.take()).toBeUndefined();
    expect(m.stats().active).toBe(1);
  });

  it('an active timeout writes a long flow out in parts that add up to it', () => {
    const frames = Array.from({ length: 11 }, (_, i) => seg(i * 10_000, i % 2 === 0, ACK));
    const { flows } = meter(frames, { activeTimeoutMs: 30_000 });
    expect(flows.map((f) => [f.endReason, f.packets + f.reversePackets])).toEqual([
      ['active', 3],
      ['active', 3],
      ['active', 3],
      ['end', 2],
    ]);
    // The parts keep the first part's orientation.
    expect(new Set(flows.map((f) => f.sourceIp))).toEqual(new Set(['10.0.0.1']));
  });

  it('holds at most maxFlows: the flow idle longest is written out early and counted', () => {
    const frames = [40001, 40002, 40003].map((port, i) => seg(i, true, SYN, 0, [port, 80]));
    const { flows, stats } = meter(frames, { maxFlows: 2 });
    expect(stats.evicted).toBe(1);
    expect(flows.map((f) => [f.sourcePort, f.endReason])).toEqual([
      [40001, 'evicted'],
      [40002, 'end'],
      [40003, 'end'],
    ]);
  });

  it('fragments after the first join their datagram’s flow by its id', () => {
    const first = ipv4(CLIENT, { protocol: 17, id: 77, moreFragments: true }, udpHeader(6000, 7000, 1472));
    const rest = ipv4(CLIENT, { protocol: 17, id: 77, fragmentOffset: 185 }, Buffer.alloc(600));
    const { flows, stats } = meter([
      { ts: T0, data: ethernet(first) },
      { ts: T0 + 1, data: ethernet(rest) },
    ]);
    expect(stats.fragments).toBe(2);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({ sourcePort: 6000, destinationPort: 7000, packets: 2, fragments: 2 });
    expect(flows[0].bytes).toBe(1500 + 620);
  });

  it('IPv6 with an extension header, TTL (hop limit) and the packet-size bins', () => {
    const hopByHop = Buffer.concat([Buffer.from([6, 0, 1, 4, 0, 0, 0, 0]), tcpHeader(50000, 443, SYN)]);
    const f = only([
      {
        ts: T0,
        data: ethernet(ipv6({ source: '2001:db8::1', destination: '2001:db8::2' }, 0, hopByHop, 57)),
      },
    ]);
    expect(f).toMatchObject({ sourceIp: '2001:db8::1', destinationPort: 443, state: 'S0', sourceTtl: 57 });
    expect(f.bytes).toBe(40 + 8 + 20);
    expect(f.sizes).toEqual([0, 1, 0, 0, 0, 0, 0]);
  });

  it('VLAN tags are part of the key: the same 5-tuple on two VLANs is two flows', () => {
    const data = (vlans: number[]) => ethernet(ipv4(CLIENT, { protocol: 6 }, tcpHeader(1, 2, SYN)), vlans);
    const { flows } = meter([
      { ts: T0, data: data([10]) },
      { ts: T0 + 1, data: data([20]) },
      { ts: T0 + 2, data: data([100, 30]) },
    ]);
    expect(flows.map((f) => [f.vlan, f.innerVlan])).toEqual([
      [10, undefined],
      [20, undefined],
      [100, 30],
    ]);
  });

  it('counts frames without IP and IP headers cut by the snap length instead of metering them', () => {
    const arp = Buffer.concat([Buffer.alloc(12), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]);
    const cut = ethernet(ipv4(CLIENT, { protocol: 6 }, tcpHeader(1, 2, SYN)));
    const { flows, stats } = meter([
      { ts: T0, data: arp },
      { ts: T0 + 1, data: cut, captured: 14 + 12 },
    ]);
    expect(flows).toHaveLength(0);
    expect(stats).toMatchObject({ frames: 2, notIp: 1, broken: 1, ipPackets: 0 });
  });

  it('a snapshot gives the open flows, then only those that counted a packet since, without writing them out', () => {
    const frames = [
      seg(0, true, SYN),
      seg(1, true, SYN, 0, [40001, 443]),
      seg(2, false, SYN | ACK),
      seg(3, true, ACK, 100),
    ];
    const file = pcapFile(frames);
    const firstTwo = pcapFile(frames.slice(0, 2)).length;
    const m = createCaptureMeter(METER_DEFAULTS);
    expect(m.push(file.subarray(0, firstTwo))).toBe(true);
    const all = m.snapshot(0);
    expect(
      readFlows(all.records ?? Buffer.alloc(0)).map((f) => [f.destinationPort, f.packets, f.endReason]),
    ).toEqual([
      [443, 1, 'open'],
      [80, 1, 'open'],
    ]);
    expect(all).toMatchObject({ sequence: 2, clockMs: T0 + 1 });
    expect(m.push(file.subarray(firstTwo))).toBe(true);
    const since = m.snapshot(all.sequence);
    expect(
      readFlows(since.records ?? Buffer.alloc(0)).map((f) => [
        f.destinationPort,
        f.packets,
        f.reversePackets,
        f.state,
      ]),
    ).toEqual([[80, 2, 1, 'S1']]);
    expect(m.snapshot(since.sequence).records).toBeUndefined();
    expect(m.take()).toBeUndefined();
    expect(m.stats()).toMatchObject({ active: 2, flows: 0, clockMs: T0 + 3 });
  });
});
