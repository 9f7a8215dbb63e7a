import { endedBetween, type Metric, search } from '../correlate/es.js';
import type { Report, ReportRow } from './context.js';
import { byObserver, chosen, observerFilter, observerName } from './observers.js';

/** Bucket edges of average packet size (bytes), the classic RMON-like classes up to jumbo frames. */
const EDGES = [0, 64, 128, 256, 512, 1024, 1519, 9001];

type Sums = { doc_count: number; bytes: Metric; packets: Metric };
type SizeBuckets = {
  sizes: {
    buckets: Array<{
      key: string;
      from?: number;
      to?: number;
      observers: { buckets: Array<Sums & { key: string }> };
    }>;
  };
};

/** Flows by their average packet size (bytes / packets), each class as the observer that saw most of it. */
export const packetSizes: Report = {
  name: 'packet-sizes',
  description: 'flows, packets and bytes by average packet size of the flow',
  columns: ['size', 'flows', 'packets', 'bytes', 'observer'],
  async run(ctx) {
    const ranges = EDGES.map((from, i) => ({ from, ...(i + 1 < EDGES.length ? { to: EDGES[i + 1] } : {}) }));
    const result = await search<unknown, SizeBuckets>(ctx.client, ctx.flows, {
      size: 0,
      query: {
        bool: {
          filter: [
            endedBetween(ctx.range.from, ctx.range.to),
            { exists: { field: 'network.bytes' } },
            { range: { 'network.packets': { gt: 0 } } },
            ...observerFilter(ctx.observers),
          ],
        },
      },
      aggs: {
        sizes: {
          range: {
            script: { source: "doc['network.bytes'].value / (double) doc['network.packets'].value" },
            ranges,
          },
          aggs: {
            observers: byObserver({
              bytes: { sum: { field: 'network.bytes' } },
              packets: { sum: { field: 'network.packets' } },
            }),
          },
        },
      },
    });
    return result.aggregations.sizes.buckets.flatMap((b): ReportRow[] => {
      const size = b.to === undefined ? `${b.from}+` : `${b.from}-${b.to - 1}`;
      const seen = chosen(b.observers.buckets, (o) => o.bytes.value ?? 0, ctx.observers.each);
      if (seen.length === 0) return [{ size, flows: 0, packets: 0, bytes: 0, observer: null }];
      return seen.map((o) => ({
        size,
        flows: o.doc_count,
        packets: o.packets.value ?? 0,
        bytes: o.bytes.value ?? 0,
        observer: observerName(o.key),
      }));
    });
  },
};
