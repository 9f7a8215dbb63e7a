import { describe, expect, it } from 'vitest';
import { entriesOf, flowSample } from '../../test/support/watch-flows.js';
import { byHost, byInterface, byPort, byProtocol, bySize, byStation, total } from './breakdowns.js';

const SCANNER = '203.0.113.66';
const SERVER = '10.77.0.1';
const ROUTER = '02-00-00-00-00-01';
const UPLINK = '02-00-00-00-00-02';

/** A scan of three ports (two refused, one unanswered), a download and a DNS query. */
const flows = entriesOf([
  ...[21, 22, 23].map((port, i) =>
    flowSample({
      sourceIp: SCANNER,
      destinationIp: SERVER,
      sourcePort: 46964,
      destinationPort: port,
      state: i === 2 ? 'S0' : 'REJ',
      reversePackets: i === 2 ? 0 : 1,
      reverseBytes: i === 2 ? 0 : 40,
      sourceMac: UPLINK,
      destinationMac: ROUTER,
    }),
  ),
  flowSample({
    sourceIp: '10.77.0.11',
    destinationIp: '203.0.113.80',
    sourcePort: 50000,
    destinationPort: 80,
    packets: 100,
    bytes: 6000,
    reversePackets: 200,
    reverseBytes: 300000,
    state: 'SF',
    sizes: [100, 0, 0, 0, 0, 200, 0],
    sourceMac: ROUTER,
    destinationMac: UPLINK,
  }),
  flowSample({
    iface: 'eth1',
    protocol: 17,
    sourceIp: '10.77.0.10',
    destinationIp: '198.51.100.53',
    sourcePort: 5353,
    destinationPort: 53,
    reversePackets: 1,
    reverseBytes: 120,
    state: undefined,
    sizes: [1, 1, 0, 0, 0, 0, 0],
  }),
]);

describe('watch breakdowns', () => {
  it('totals per interface and per protocol add up to the whole', () => {
    expect(total(flows)).toMatchObject({
      flows: 5,
      packets: 3 + 2 + 300 + 2,
      bytes: 180 + 80 + 306000 + 180,
    });
    expect(byInterface(flows).map((r) => [r.label, r.flows, r.packets])).toEqual([
      ['eth0', 4, 305],
      ['eth1', 1, 2],
    ]);
    expect(byProtocol(flows).map((r) => [r.label, r.flows, r.bytes])).toEqual([
      ['tcp', 4, 306260],
      ['udp', 1, 180],
    ]);
  });

  it('ports are the responder’s, per protocol', () => {
    expect(byPort(flows).map((r) => [r.label, r.flows])).toEqual([
      ['tcp/21', 1],
      ['tcp/22', 1],
      ['tcp/23', 1],
      ['tcp/80', 1],
      ['udp/53', 1],
    ]);
  });

  it('packet sizes per bin with their share', () => {
    const sizes = bySize(flows);
    expect(sizes.map((s) => s.packets)).toEqual([104, 1, 0, 0, 0, 200, 0]);
    expect(sizes[5].share).toBeCloseTo(200 / 305);
  });

  it('stations: what each MAC sent and was sent, and the addresses behind it', () => {
    const stations = byStation(flows);
    expect(
      stations.map((s) => [s.mac, s.packetsOut, s.bytesOut, s.packetsIn, s.bytesIn, s.addresses]),
    ).toEqual([
      [UPLINK, 3 + 200, 180 + 300000, 2 + 100, 80 + 6000, [SCANNER, '203.0.113.80']],
      [ROUTER, 2 + 100, 80 + 6000, 3 + 200, 180 + 300000, [SERVER, '10.77.0.11']],
    ]);
  });

  it('hosts: a scanner shows as many ports and failed connections', () => {
    const scanner = byHost(flows).find((h) => h.ip === SCANNER);
    expect(scanner).toMatchObject({ flows: 3, peers: 1, ports: 3, failed: 3, packetsOut: 3, packetsIn: 2 });
    const server = byHost(flows).find((h) => h.ip === SERVER);
    expect(server).toMatchObject({ flows: 0, ports: 0, failed: 0, packetsOut: 2, packetsIn: 3 });
  });
});
