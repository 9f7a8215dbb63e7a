import { describe, expect, it } from 'vitest';
import type { StreamInfo } from '../../src/codec/types.js';
import { ParseError } from '../../src/errors.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { goflow2JsonCodec, goflow2ProtobufCodec } from './codec.js';
import { protocolKeywords, protocolOfName } from './names.js';

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const stream: StreamInfo = {
  name: 'goflow2-flows',
  identity: 'kafka:goflow2-flows/0',
  timezone: 'UTC',
  reference: NOW,
  localNetworks: new LocalNetworks(['10.77.0.0/24']),
  now: () => NOW,
};

/** A protobuf writer for the test's messages: what GoFlow2's Go marshaller writes, field by field. */
type Value = number | bigint | Uint8Array | { packed: number[] };

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function encode(fields: Array<[number, Value]>, delimited = true): Buffer {
  const body: number[] = [];
  for (const [number, value] of fields) {
    if (value instanceof Uint8Array) {
      body.push(...varint(number * 8 + 2), ...varint(value.length), ...value);
    } else if (typeof value === 'object') {
      const packed = value.packed.flatMap((v) => varint(v));
      body.push(...varint(number * 8 + 2), ...varint(packed.length), ...packed);
    } else {
      body.push(...varint(number * 8), ...varint(value));
    }
  }
  return Buffer.from(delimited ? [...varint(body.length), ...body] : body);
}

const START_MS = Date.UTC(2026, 10, 21, 22, 5, 34, 250);
const END_MS = START_MS + 2500;
const RECEIVED_NS = BigInt(START_MS + 6000) * 1_000_000n + 456_789n;

/** A NetFlow v9 TCP flow as goflow2 -format=bin writes it (fields in its marshaller's order)… */
const TCP_FLOW = encode([
  [1, 3],
  [3, 0],
  [4, 77],
  [6, new Uint8Array([10, 77, 0, 5])],
  [7, new Uint8Array([198, 51, 100, 20])],
  [9, 1500],
  [10, 3],
  [11, new Uint8Array([192, 0, 2, 1])],
  [12, new Uint8Array([192, 0, 2, 2])],
  [14, 64500],
  [15, 64501],
  [16, 24],
  [17, 24],
  [18, 2],
  [19, 3],
  [20, 6],
  [21, 40000],
  [22, 5201],
  [26, 0x1b],
  [27, 0x0242ac110002],
  [30, 0x800],
  [101, { packed: [100, 200] }],
  [110, RECEIVED_NS],
  [111, BigInt(START_MS) * 1_000_000n],
  [112, BigInt(END_MS) * 1_000_000n],
]);

/** …and as goflow2 -format=json writes the same flow, with its rendered names. */
const TCP_FLOW_JSON = JSON.stringify({
  type: 'NETFLOW_V9',
  time_received_ns: Number(RECEIVED_NS),
  sequence_num: 77,
  sampling_rate: 0,
  sampler_address: '192.0.2.1',
  time_flow_start_ns: START_MS * 1e6,
  time_flow_end_ns: END_MS * 1e6,
  bytes: 1500,
  packets: 3,
  src_addr: '10.77.0.5',
  dst_addr: '198.51.100.20',
  etype: 'IPv4',
  proto: 'TCP',
  src_port: 40000,
  dst_port: 5201,
  in_if: 2,
  out_if: 3,
  src_mac: '02:42:ac:11:00:02',
  dst_mac: '00:00:00:00:00:00',
  src_vlan: 0,
  dst_vlan: 0,
  vlan_id: 0,
  ip_tos: 0,
  tcp_flags: 27,
  icmp_type: 0,
  icmp_code: 0,
  src_as: 64500,
  dst_as: 64501,
  next_hop: '192.0.2.2',
  next_hop_as: 0,
  src_net: '10.77.0.0/24',
  dst_net: '198.51.100.0/24',
  bgp_next_hop: '',
  bgp_communities: [100, 200],
  as_path: [],
  mpls_ttl: [],
  mpls_label: [],
  mpls_ip: [],
  observation_domain_id: 0,
  observation_point_id: 0,
  layer_stack: [],
  layer_size: [],
  ipv6_routing_header_addresses: [],
  ipv6_routing_header_seg_left: 0,
});

function protobuf(value: Buffer, offset = 0): PipelineRecord {
  const record = goflow2ProtobufCodec.open(stream).decode(value, offset);
  if (record === undefined) throw new Error('no record');
  return record;
}

function json(value: string | Record<string, unknown>, offset = 0): PipelineRecord {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const record = goflow2JsonCodec.open(stream).decode(Buffer.from(text), offset);
  if (record === undefined) throw new Error('no record');
  return record;
}

const flow = JSON.parse(TCP_FLOW_JSON) as Record<string, unknown>;

describe('GoFlow2 flow messages', () => {
  it('map a NetFlow flow to the fields the NetFlow decoder fills, the rest under goflow2', () => {
    const doc = protobuf(TCP_FLOW).doc;
    expect(doc).toMatchObject({
      '@timestamp': new Date(END_MS).toISOString(),
      event: {
        module: 'goflow2',
        action: 'netflow_flow',
        dataset: 'flowtrail.flows',
        start: new Date(START_MS).toISOString(),
        end: new Date(END_MS).toISOString(),
        duration: 2_500_000_000,
      },
      source: { ip: '10.77.0.5', port: 40000, bytes: 1500, packets: 3, mac: '02:42:ac:11:00:02' },
      destination: { ip: '198.51.100.20', port: 5201 },
      network: { transport: 'tcp', iana_number: '6', bytes: 1500, packets: 3, direction: 'outbound' },
      observer: {
        ip: '192.0.2.1',
        ingress: { interface: { id: '2' } },
        egress: { interface: { id: '3' } },
      },
      flowtrail: { observer: '192.0.2.1', tcp_flags: ['FIN', 'SYN', 'PSH', 'ACK'] },
      input: { type: 'netflow' },
    });
    expect(doc.destination).not.toHaveProperty('mac');
    expect(doc.goflow2).toEqual({
      type: 'NETFLOW_V9',
      sequence_num: 77,
      time_received: new Date(START_MS + 6000).toISOString(),
      etype: 0x800,
      src_as: 64500,
      dst_as: 64501,
      src_net: 24,
      dst_net: 24,
      next_hop: '192.0.2.2',
      bgp_communities: [100, 200],
    });
  });

  it('give the same document, id included, from JSON as from protobuf', () => {
    const fromBinary = protobuf(TCP_FLOW, 41);
    const fromJson = json(TCP_FLOW_JSON, 41);
    expect(fromJson.id).toBe(fromBinary.id);
    expect(fromJson.json).toBe(fromBinary.json);
  });

  it('identify a document by where the message was read: read again, the same id; another offset, another', () => {
    expect(protobuf(TCP_FLOW, 7).id).toBe(protobuf(TCP_FLOW, 7).id);
    expect(protobuf(TCP_FLOW, 7).id).not.toBe(protobuf(TCP_FLOW, 8).id);
  });

  it('scale bytes and packets by the sampling rate, as the NetFlow decoder does, and keep the rate', () => {
    const doc = json({ ...flow, sampling_rate: 100 }).doc as {
      source: { bytes: number; packets: number };
      goflow2: { sampling_rate: number };
    };
    expect(doc.source).toMatchObject({ bytes: 150_000, packets: 300 });
    expect(doc.goflow2.sampling_rate).toBe(100);
    expect(json({ ...flow, sampling_rate: 1 }).doc.goflow2).not.toHaveProperty('sampling_rate');
  });

  it('put ICMP type and code in the ports: the dedicated fields, else packed into the destination port', () => {
    const icmp = { ...flow, proto: 'ICMP', src_port: 0, tcp_flags: 0 };
    const packed = json({ ...icmp, dst_port: 0x0303 }).doc as Record<string, { port?: number }>;
    expect([packed.source.port, packed.destination.port]).toEqual([3, 3]);
    const fields = json({ ...icmp, dst_port: 0, icmp_type: 8, icmp_code: 0 }).doc as Record<
      string,
      { port?: number }
    >;
    expect([fields.source.port, fields.destination.port]).toEqual([8, 0]);
    expect(json({ ...icmp, dst_port: 0 }).doc.flowtrail).not.toHaveProperty('tcp_flags');
  });

  it('date an sFlow sample by its arrival and leave input.type out (no Elastic input reads sFlow)', () => {
    const sample = encode([
      [1, 1],
      [3, 512],
      [6, new Uint8Array([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1])],
      [7, new Uint8Array([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 2])],
      [9, 1500],
      [10, 1],
      [11, new Uint8Array([192, 0, 2, 9])],
      [20, 17],
      [21, 53],
      [22, 5353],
      [29, 42],
      [110, RECEIVED_NS],
    ]);
    const doc = protobuf(sample).doc as Record<string, Record<string, unknown>>;
    expect(doc.event).toMatchObject({ action: 'sflow_flow', end: new Date(START_MS + 6000).toISOString() });
    expect(doc.event).not.toHaveProperty('start');
    expect(doc.source).toMatchObject({ ip: '2001:db8::1', bytes: 768_000, packets: 512 });
    expect(doc.network).toMatchObject({ type: 'ipv6', vlan: { id: '42' } });
    expect(doc).not.toHaveProperty('input');
    expect(doc.goflow2).toMatchObject({ type: 'SFLOW_5', sampling_rate: 512 });
  });

  it('keep nothing of one message in the next', () => {
    const decoder = goflow2ProtobufCodec.open(stream);
    decoder.decode(TCP_FLOW, 1);
    const bare = encode([
      [1, 3],
      [6, new Uint8Array([10, 77, 0, 9])],
      [7, new Uint8Array([10, 77, 0, 1])],
      [20, 17],
      [110, RECEIVED_NS],
    ]);
    const doc = decoder.decode(bare, 2)?.doc as Record<string, unknown>;
    expect(doc).not.toHaveProperty('observer');
    expect(doc.source).toEqual({ ip: '10.77.0.9', port: 0, bytes: 0, packets: 0, locality: 'internal' });
    expect(doc.goflow2).toEqual({
      type: 'NETFLOW_V9',
      time_received: new Date(START_MS + 6000).toISOString(),
    });
  });

  it.each([
    ['without its length prefix', encode([[1, 3]], false), /not a length-delimited FlowMessage/],
    ['cut short', TCP_FLOW.subarray(0, 40), /not a length-delimited FlowMessage/],
    ['with field number 0', Buffer.from([2, 0x02, 0x00]), /field number 0/],
    ['with a group wire type', Buffer.from([2, 0x0b, 0x00]), /wire type 3/],
    ['empty', Buffer.alloc(0), /empty message/],
    ['without addresses (not an IP flow)', encode([[1, 1]]), /not an IP flow/],
  ])('refuse a protobuf message %s', (_, value, reason) => {
    const decoder = goflow2ProtobufCodec.open(stream);
    expect(() => decoder.decode(value, 0)).toThrow(ParseError);
    expect(() => decoder.decode(value, 0)).toThrow(reason);
  });

  it.each([
    ['not JSON', '{"type":', /not JSON/],
    ['not an object', '[1,2]', /not a JSON object/],
    ['a protocol class', JSON.stringify({ ...flow, proto: 'unassigned' }), /names no protocol number/],
    ['a bad address', JSON.stringify({ ...flow, src_addr: 'nowhere' }), /src_addr is not an address/],
    ['a negative count', JSON.stringify({ ...flow, bytes: -1 }), /bytes is not a non-negative number/],
    ['an unknown type', JSON.stringify({ ...flow, type: 'NETFLOW_V8' }), /type is not a FlowMessage type/],
  ])('refuse a JSON message that is %s', (_, text, reason) => {
    const decoder = goflow2JsonCodec.open(stream);
    expect(() => decoder.decode(Buffer.from(text), 0)).toThrow(ParseError);
    expect(() => decoder.decode(Buffer.from(text), 0)).toThrow(reason);
  });

  it('take protocol numbers and the keywords GoFlow2 renders them with', () => {
    expect(protocolKeywords()).toHaveLength(146);
    expect(new Set(protocolKeywords()).size).toBe(146);
    expect(
      ['HOPOPT', 'ICMP', 'TCP', 'UDP', 'GRE', 'IPv6-ICMP', 'OSPFIGP', 'SCTP', 'NSH'].map(protocolOfName),
    ).toEqual([0, 1, 6, 17, 47, 58, 89, 132, 145]);
    const numbered = json({ ...flow, proto: 47 }).doc.network as Record<string, unknown>;
    expect(numbered.iana_number).toBe('47');
  });
});
