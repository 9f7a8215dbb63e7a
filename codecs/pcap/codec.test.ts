import { describe, expect, it } from 'vitest';
import type { ByteOutput, StreamInfo } from '../../src/codec/types.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { communityId } from '../../src/schema/community-id.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { ethernet, ipv4, pcapFile, TCP, tcpHeader } from '../../test/support/packets.js';
import { isCapture, pcapCodec } from './codec.js';
import { METER_DEFAULTS, meterUnavailable } from './meter.js';

const T0 = Date.UTC(2026, 10, 21, 22, 5, 34);
const OUT = { source: '198.51.100.30', destination: '10.77.0.1' };
const BACK = { source: '10.77.0.1', destination: '198.51.100.30' };

const capture = pcapFile([
  { ts: T0, data: ethernet(ipv4(OUT, { protocol: 6 }, tcpHeader(55264, 22, TCP.SYN))) },
  {
    ts: T0 + 1,
    data: ethernet(ipv4(BACK, { protocol: 6 }, tcpHeader(22, 55264, TCP.RST | TCP.ACK)), [], true),
  },
]);

function decode(bytes: Buffer) {
  const codec = pcapCodec({ tap: { name: 'span-1', hostname: 'sensor' }, meter: METER_DEFAULTS });
  const stream: StreamInfo = {
    name: 'lab.pcap',
    identity: 'x',
    timezone: 'UTC',
    reference: T0,
    localNetworks: new LocalNetworks(['10.77.0.0/24']),
    now: () => T0 + 60_000,
  };
  const failures: string[] = [];
  const notices: Array<Record<string, number | string>> = [];
  const out: ByteOutput = {
    records: [] as PipelineRecord[],
    failed: (offset, reason) => failures.push(`${offset}: ${reason}`),
    notice: (_message, counts) => notices.push(counts),
  };
  const decoder = codec.binary!.open(stream);
  decoder.push(bytes, out);
  decoder.end(out);
  return { records: out.records, failures, notices };
}

describe.skipIf(meterUnavailable() !== undefined)('the pcap codec', () => {
  it('recognizes pcap and pcapng by their magic numbers', () => {
    expect(isCapture(capture)).toBe(true);
    expect(isCapture(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]))).toBe(true);
    expect(isCapture(Buffer.from('#separator'))).toBe(false);
  });

  it('writes a tap flow as every flow source does: observer, Community ID, direction, flags, conn state', () => {
    const { records, failures, notices } = decode(capture);
    expect(failures).toEqual([]);
    expect(notices).toEqual([expect.objectContaining({ format: 'pcap', frames: 2, flows: 1, evicted: 0 })]);
    expect(records).toHaveLength(1);
    const doc = JSON.parse(records[0].json ?? JSON.stringify(records[0].doc));
    expect(doc).toMatchObject({
      event: { module: 'pcap', action: 'pcap_flow', dataset: 'flowtrail.flows' },
      source: { ip: '198.51.100.30', port: 55264, bytes: 40, packets: 1, locality: 'external' },
      destination: { ip: '10.77.0.1', port: 22, bytes: 40, packets: 1, locality: 'internal' },
      network: {
        transport: 'tcp',
        direction: 'inbound',
        community_id: communityId(6, '198.51.100.30', 55264, '10.77.0.1', 22),
      },
      observer: { type: 'tap', name: 'span-1', hostname: 'sensor' },
      flowtrail: { observer: 'tap:span-1', initiator: 'source', tcp_flags: ['SYN', 'RST', 'ACK'] },
      zeek: { connection: { state: 'REJ', state_message: 'Connection attempt rejected.', history: 'Sr' } },
      pcap: { end_reason: 'end', source_ttl: 64, destination_ttl: 64, packet_sizes: { le_64: 2 } },
    });
    expect(doc.event.start).toBe(new Date(T0).toISOString());
    expect(doc.event.end).toBe(new Date(T0 + 1).toISOString());
  });

  it('gives the same document id when the same capture is read again', () => {
    expect(decode(capture).records[0].id).toBe(decode(capture).records[0].id);
  });

  it('reports a capture cut short once, with the flows of what was read', () => {
    const { records, failures } = decode(capture.subarray(0, capture.length - 5));
    expect(records).toHaveLength(1);
    expect(failures).toEqual([
      expect.stringMatching(
        /^94: pcap: capture cut short: its last record is incomplete .*\(1 frames before it are metered\)$/,
      ),
    ]);
  });
});
