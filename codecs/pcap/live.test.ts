import { describe, expect, it } from 'vitest';
import { LocalNetworks } from '../../src/schema/locality.js';
import { ethernet, ipv4, pcapFile, TCP, tcpHeader } from '../../test/support/packets.js';
import { createLiveFlowMeter } from './live.js';
import { meterUnavailable } from './meter.js';

const T0 = Date.UTC(2026, 11, 7, 20, 0, 0);
const OUT = { source: '10.77.0.5', destination: '198.51.100.20' };
const BACK = { source: '198.51.100.20', destination: '10.77.0.5' };

describe.skipIf(meterUnavailable() !== undefined)('the live flow meter', () => {
  it('reads a pcap stream in any cuts and writes a flow out when the clock says it is idle', () => {
    const meter = createLiveFlowMeter(
      { maxFlows: 16, idleTimeoutMs: 2_000, activeTimeoutMs: 60_000 },
      { name: 'span-1', hostname: 'sensor', interface: { id: '3', name: 'eth1' } },
      new LocalNetworks(['10.77.0.0/24']),
    );
    const stream = pcapFile(
      [
        { ts: T0, data: ethernet(ipv4(OUT, { protocol: 6 }, tcpHeader(40000, 443, TCP.SYN))) },
        {
          ts: T0 + 1,
          data: ethernet(ipv4(BACK, { protocol: 6 }, tcpHeader(443, 40000, TCP.SYN | TCP.ACK)), [], true),
        },
      ],
      { nanoseconds: true },
    );
    // The stream arrives as the ring hands it over: the file header alone first, then records cut anywhere.
    for (const cut of [stream.subarray(0, 24), stream.subarray(24, 50), stream.subarray(50)])
      expect(meter.push(cut)).toBe(true);
    meter.tick(T0 + 1_999);
    expect(meter.take()).toEqual([]);
    meter.tick(T0 + 2_001);
    const [flow, ...rest] = meter.take();
    expect(rest).toEqual([]);
    expect(flow.doc).toMatchObject({
      observer: {
        type: 'tap',
        name: 'span-1',
        hostname: 'sensor',
        ingress: { interface: { id: '3', name: 'eth1' } },
      },
      source: { ip: '10.77.0.5', port: 40000, packets: 1 },
      destination: { ip: '198.51.100.20', port: 443, packets: 1 },
      network: { direction: 'outbound', transport: 'tcp' },
      pcap: { end_reason: 'idle' },
    });
    expect(meter.stats()).toMatchObject({ frames: 2, flows: 1, active: 0 });
  });
});
