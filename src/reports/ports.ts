import { endedBetween, type Metric } from '../correlate/es.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report } from './context.js';

type PortBucket = CompositeBucket<{ transport: string; port: number }> & { bytes: Metric; packets: Metric };

/** Traffic by destination port and transport (nfdump's `-s dstport`). */
export const portBreakdown: Report = {
  name: 'ports',
  description: 'flows, packets and bytes by destination port and transport',
  columns: ['transport', 'port', 'flows', 'packets', 'bytes'],
  async run(ctx) {
    const buckets = await allBuckets<PortBucket['key'], PortBucket>(
      ctx.client,
      ctx.flows,
      endedBetween(ctx.range.from, ctx.range.to),
      [
        { transport: { terms: { field: 'network.transport' } } },
        { port: { terms: { field: 'destination.port', missing_bucket: true } } },
      ],
      { bytes: { sum: { field: 'network.bytes' } }, packets: { sum: { field: 'network.packets' } } },
    );
    return buckets
      .map((b) => ({
        transport: b.key.transport,
        port: b.key.port ?? 0,
        flows: b.doc_count,
        packets: b.packets.value ?? 0,
        bytes: b.bytes.value ?? 0,
      }))
      .sort((a, b) => b.bytes - a.bytes || a.port - b.port)
      .slice(0, ctx.limit);
  },
};
