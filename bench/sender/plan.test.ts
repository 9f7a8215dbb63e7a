import { describe, expect, it } from 'vitest';
import { NATIVE_RING_BYTES } from '../../plugins/netflow/native-reader.js';
import { FIXTURES } from '../../test/support/fixtures.js';
import {
  dataSet,
  FLOW_FIELDS,
  flowRecord,
  ipfixMessage,
  templateSet,
} from '../../test/support/netflow/ipfix.js';
import { netflowV5Flows } from '../../test/support/netflow/v5.js';
import { seededIntegers } from '../../test/support/random.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import { exportFields, StreamTemplates } from './export-fields.js';
import { buildPlan } from './plan.js';
import { RING_ENTRY_HEADER, ringOrder } from './ring-order.js';
import { exporterOf, exportStreams } from './streams.js';

const flow = (i: number) => ({
  source: '10.0.0.1',
  destination: '10.0.0.2',
  sourcePort: 1000 + i,
  destinationPort: 80,
  protocol: 6,
  bytes: 100,
  packets: 1,
  start: 1_700_000_000_000 + i,
  end: 1_700_000_001_000 + i,
});

function ipfixExport(sequence: number, records: number): Buffer {
  return ipfixMessage(7, sequence, 1_700_000_002_000, [
    templateSet([{ id: 300, fields: FLOW_FIELDS }]),
    dataSet(
      300,
      Array.from({ length: records }, (_, i) => flowRecord(flow(i))),
    ),
  ]);
}

/** Where each placement's entry ends in a ring of `capacity`, as the receiver packs them. */
function entryEnds(sizes: number[], capacity: number): number[] {
  let position = 0;
  return sizes.map((bytes) => {
    if (capacity - position < bytes) position = 0;
    position += bytes;
    const end = position;
    if (position === capacity) position = 0;
    return end;
  });
}

describe('export fields', () => {
  it('finds an IPFIX export sequence, its record count and every absolute time in its records', () => {
    const data = ipfixExport(41, 3);
    const fields = exportFields(data, new StreamTemplates());
    expect(fields).toMatchObject({
      version: 10,
      sequenceOffset: 8,
      sequence: 41,
      sequenceStep: 3,
      domain: 7,
    });
    // The header's export time, then flowStart/EndMilliseconds of each of the three records.
    expect(fields?.times.map((t) => t.unit)).toEqual(['seconds', ...Array(6).fill('milliseconds')]);
    const recordTimes = fields?.times.slice(1).map((t) => Number(data.readBigUInt64BE(t.offset))) ?? [];
    expect(recordTimes).toEqual([0, 1, 2].flatMap((i) => [flow(i).start, flow(i).end]));
  });

  it('reads a v5 header: its sequence counts flows, its times follow the header clock', () => {
    const data = netflowV5Flows(
      1_700_000_000_000,
      [1, 2].map((i) => ({
        source: [10, 0, 0, i],
        destination: [10, 0, 0, 9],
        sourcePort: i,
        destinationPort: 22,
      })),
      500,
    );
    expect(exportFields(data, new StreamTemplates())).toMatchObject({
      version: 5,
      sequence: 500,
      sequenceStep: 2,
      times: [{ offset: 8, unit: 'seconds' }],
    });
  });

  it('groups vendor files by exporter', () => {
    expect(exporterOf('multiplesamplingrates-options-template.pcap')).toBe('multiplesamplingrates');
    expect(exporterOf('multiplesamplingrates-data.pcap')).toBe('multiplesamplingrates');
    expect(exporterOf('ipfix_test_barracuda_tpl.dat')).toBe('ipfix_test_barracuda');
    expect(exporterOf('ipfix_test_barracuda_data256.dat')).toBe('ipfix_test_barracuda');
    expect(exporterOf('data+templates.pcap')).toBe('data+templates');
  });
});

describe('ring order', () => {
  // Eight exporters whose datagrams are 60 to 1,499 bytes long, as a mix of real exports is.
  const random = seededIntegers(0x5e11d);
  const streams = Array.from({ length: 8 }, () => ({
    sizes: Array.from({ length: 3 + random(20) }, () => 60 + random(1440)),
    addressLength: 10,
  }));
  const capacity = 100_003;

  it('keeps each stream in order, spreads rounds over the whole and lands one entry exactly at the ring end', () => {
    const order = ringOrder(streams, capacity);
    expect(order.rounds).toBeGreaterThan(1);
    expect(order.placements).toHaveLength(order.rounds * streams.reduce((n, s) => n + s.sizes.length, 0));
    for (let s = 0; s < streams.length; s++) {
      const mine = order.placements.filter((p) => p.stream === s);
      expect(mine.map((p) => p.round * 100 + p.index)).toEqual(
        mine.map((p) => p.round * 100 + p.index).sort((a, b) => a - b),
      );
    }
    const sizes = order.placements.map((p) => RING_ENTRY_HEADER + 10 + streams[p.stream].sizes[p.index]);
    const ends = entryEnds(sizes, capacity);
    expect(order.exactFitAt).toBeDefined();
    expect(ends[order.exactFitAt ?? -1]).toBe(capacity);
    expect(ends.indexOf(capacity)).toBe(order.exactFitAt);
  });
});

describe('send plan', () => {
  it('moves sequence numbers on per round and per loop so that no two datagrams of a domain repeat one', () => {
    const stream = { name: 'ipfix', payloads: [ipfixExport(10, 3), ipfixExport(13, 2)] };
    const plan = buildPlan([stream], 3_000);
    expect(plan.rounds).toBeGreaterThan(1);
    const sequences = plan.datagrams.map((d) => d.payload.readUInt32BE(8));
    // One round carries 5 records: round r starts at 10 + 5r, as the exporter would have gone on.
    expect(sequences.slice(0, 4)).toEqual([10, 13, 15, 18]);
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(plan.datagrams.every((d) => d.sequenceStepPerLoop === 5 * plan.rounds)).toBe(true);
    expect(plan.streams[0]).toMatchObject({ address: '127.0.0.10', baseSeconds: 1_700_000_002 });
    expect(plan.datagrams.map((d) => d.laterLoopRecords)).toEqual(sequences.map((_, i) => (i % 2 ? 2 : 3)));
  });
});

describeNeeding(fixturesMissing())('send plan of every lab export and vendor capture', () => {
  it('lands one entry exactly at the end of the native receiver ring', () => {
    const plan = buildPlan(exportStreams(FIXTURES), NATIVE_RING_BYTES);
    expect(plan.streams.length).toBeGreaterThan(40);
    expect(plan.exactFitAt).toBeDefined();
    const sizes = plan.datagrams.map((d) => RING_ENTRY_HEADER + 10 + d.payload.length);
    expect(entryEnds(sizes, NATIVE_RING_BYTES)[plan.exactFitAt ?? -1]).toBe(NATIVE_RING_BYTES);
  });
});
