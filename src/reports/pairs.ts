import type { Metric } from '../correlate/es.js';
import { FLOW_COUNT, type FlowCounted, flowCount, flowSource } from './archive.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report, ReportRow } from './context.js';
import { OBSERVER_SOURCE, observerFilter, observerName, PerObserver } from './observers.js';

type PairBucket = CompositeBucket<{ a: string; b: string; observer: string | null }> &
  FlowCounted & {
    bytes: Metric;
    packets: Metric;
  };

interface PairRow extends ReportRow {
  a: string;
  b: string;
  bytes: number;
  a_to_b: number;
  b_to_a: number;
  packets: number;
  flows: number;
}

/** Busiest host pairs, both directions of a conversation counted together, as the busiest observer saw them. */
export const hostPairs: Report = {
  name: 'host-pairs',
  description: 'pairs of addresses that exchanged the most bytes (both directions together)',
  columns: ['a', 'b', 'bytes', 'a_to_b', 'b_to_a', 'packets', 'flows', 'observer'],
  archived: true,
  async run(ctx) {
    const { index, window } = flowSource(ctx.flows, ctx.range, ctx.archive, 'pairs');
    const buckets = await allBuckets<PairBucket['key'], PairBucket>(
      ctx.client,
      index,
      { bool: { filter: [window, ...observerFilter(ctx.observers)] } },
      [
        { a: { terms: { field: 'source.ip' } } },
        { b: { terms: { field: 'destination.ip' } } },
        OBSERVER_SOURCE,
      ],
      {
        bytes: { sum: { field: 'network.bytes' } },
        packets: { sum: { field: 'network.packets' } },
        ...FLOW_COUNT,
      },
    );
    const pairs = new PerObserver<PairRow>(() => ({
      a: '',
      b: '',
      bytes: 0,
      a_to_b: 0,
      b_to_a: 0,
      packets: 0,
      flows: 0,
    }));
    for (const bucket of buckets) {
      const { a, b } = bucket.key;
      const [first, second] = a <= b ? [a, b] : [b, a];
      const row = pairs.row(`${first} ${second}`, observerName(bucket.key.observer));
      row.a = first;
      row.b = second;
      const bytes = bucket.bytes.value ?? 0;
      row.bytes += bytes;
      if (a === first) row.a_to_b += bytes;
      else row.b_to_a += bytes;
      row.packets += bucket.packets.value ?? 0;
      row.flows += flowCount(bucket);
    }
    return pairs
      .rows((row) => row.bytes, ctx.observers.each)
      .sort((x, y) => y.bytes - x.bytes || x.a.localeCompare(y.a) || x.observer.localeCompare(y.observer))
      .slice(0, ctx.limit);
  },
};
