import { endedBetween, type Metric } from '../correlate/es.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report, ReportRow } from './context.js';

type PairBucket = CompositeBucket<{ a: string; b: string }> & { bytes: Metric; packets: Metric };

/** Busiest host pairs, both directions of a conversation counted together. */
export const hostPairs: Report = {
  name: 'host-pairs',
  description: 'pairs of addresses that exchanged the most bytes (both directions together)',
  columns: ['a', 'b', 'bytes', 'a_to_b', 'b_to_a', 'packets', 'flows'],
  async run(ctx) {
    const buckets = await allBuckets<PairBucket['key'], PairBucket>(
      ctx.client,
      ctx.flows,
      endedBetween(ctx.range.from, ctx.range.to),
      [{ a: { terms: { field: 'source.ip' } } }, { b: { terms: { field: 'destination.ip' } } }],
      { bytes: { sum: { field: 'network.bytes' } }, packets: { sum: { field: 'network.packets' } } },
    );
    const pairs = new Map<
      string,
      ReportRow & {
        a: string;
        b: string;
        bytes: number;
        a_to_b: number;
        b_to_a: number;
        packets: number;
        flows: number;
      }
    >();
    for (const bucket of buckets) {
      const { a, b } = bucket.key;
      const [first, second] = a <= b ? [a, b] : [b, a];
      const key = `${first} ${second}`;
      const row = pairs.get(key) ?? {
        a: first,
        b: second,
        bytes: 0,
        a_to_b: 0,
        b_to_a: 0,
        packets: 0,
        flows: 0,
      };
      const bytes = bucket.bytes.value ?? 0;
      row.bytes += bytes;
      if (a === first) row.a_to_b += bytes;
      else row.b_to_a += bytes;
      row.packets += bucket.packets.value ?? 0;
      row.flows += bucket.doc_count;
      pairs.set(key, row);
    }
    return [...pairs.values()]
      .sort((x, y) => y.bytes - x.bytes || x.a.localeCompare(y.a))
      .slice(0, ctx.limit);
  },
};
