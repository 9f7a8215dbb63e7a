import { endedBetween, type Metric, search } from '../correlate/es.js';
import type { Report } from './context.js';

/** Bucket edges of average packet size (bytes), the classic RMON-like classes up to jumbo frames. */
const EDGES = [0, 64, 128, 256, 512, 1024, 1519, 9001];

type SizeBuckets = {
  sizes: {
    buckets: Array<{
      key: string;
      from?: number;
      to?: number;
      doc_count: number;
      bytes: Metric;
      packets: Metric;
    }>;
  };
};

/** Flows by their average packet size (bytes / packets). */
export const packetSizes: Report = {
  name: 'packet-sizes',
  description: 'flows, packets and bytes by average packet size of the flow',
  columns: ['size', 'flows', 'packets', 'bytes'],
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
            bytes: { sum: { field: 'network.bytes' } },
            packets: { sum: { field: 'network.packets' } },
          },
        },
      },
    });
    return result.aggregations.sizes.buckets.map((b) => ({
      size: b.to === undefined ? `${b.from}+` : `${b.from}-${b.to - 1}`,
      flows: b.doc_count,
      packets: b.packets.value ?? 0,
      bytes: b.bytes.value ?? 0,
    }));
  },
};
