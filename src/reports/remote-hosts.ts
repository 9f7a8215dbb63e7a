import { endedBetween, type Metric } from '../correlate/es.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report } from './context.js';

type HostBucket = CompositeBucket<{ ip: string }> & { bytes: Metric };

/** Busiest addresses outside the local networks, whichever way their traffic went. */
export const remoteHosts: Report = {
  name: 'remote-hosts',
  description: 'addresses outside the local networks with the most traffic to or from them',
  columns: ['ip', 'bytes', 'sent', 'received', 'flows'],
  async run(ctx) {
    const rows = new Map<
      string,
      { ip: string; bytes: number; sent: number; received: number; flows: number }
    >();
    for (const [side, column] of [
      ['source', 'sent'],
      ['destination', 'received'],
    ] as const) {
      // Every remote address of each side (composite pages), so that the merge of both sides is exact.
      const buckets = await allBuckets<HostBucket['key'], HostBucket>(
        ctx.client,
        ctx.flows,
        {
          bool: {
            filter: [
              endedBetween(ctx.range.from, ctx.range.to),
              { term: { [`${side}.locality`]: 'external' } },
            ],
          },
        },
        [{ ip: { terms: { field: `${side}.ip` } } }],
        { bytes: { sum: { field: 'network.bytes' } } },
      );
      for (const b of buckets) {
        const row = rows.get(b.key.ip) ?? { ip: b.key.ip, bytes: 0, sent: 0, received: 0, flows: 0 };
        row[column] += b.bytes.value ?? 0;
        row.bytes += b.bytes.value ?? 0;
        row.flows += b.doc_count;
        rows.set(b.key.ip, row);
      }
    }
    return [...rows.values()]
      .sort((a, b) => b.bytes - a.bytes || a.ip.localeCompare(b.ip))
      .slice(0, ctx.limit);
  },
};
