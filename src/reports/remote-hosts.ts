import { endedBetween, type Metric } from '../correlate/es.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report, ReportRow } from './context.js';
import { OBSERVER_SOURCE, observerFilter, observerName, PerObserver } from './observers.js';

type HostBucket = CompositeBucket<{ ip: string; observer: string | null }> & { bytes: Metric };

interface HostRow extends ReportRow {
  ip: string;
  bytes: number;
  sent: number;
  received: number;
  flows: number;
}

/** Busiest addresses outside the local networks, whichever way their traffic went. */
export const remoteHosts: Report = {
  name: 'remote-hosts',
  description: 'addresses outside the local networks with the most traffic to or from them',
  columns: ['ip', 'bytes', 'sent', 'received', 'flows', 'observer'],
  async run(ctx) {
    const rows = new PerObserver<HostRow>(() => ({ ip: '', bytes: 0, sent: 0, received: 0, flows: 0 }));
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
              ...observerFilter(ctx.observers),
            ],
          },
        },
        [{ ip: { terms: { field: `${side}.ip` } } }, OBSERVER_SOURCE],
        { bytes: { sum: { field: 'network.bytes' } } },
      );
      for (const b of buckets) {
        const row = rows.row(b.key.ip, observerName(b.key.observer));
        row.ip = b.key.ip;
        row[column] += b.bytes.value ?? 0;
        row.bytes += b.bytes.value ?? 0;
        row.flows += b.doc_count;
      }
    }
    return rows
      .rows((row) => row.bytes, ctx.observers.each)
      .sort((a, b) => b.bytes - a.bytes || a.ip.localeCompare(b.ip) || a.observer.localeCompare(b.observer))
      .slice(0, ctx.limit);
  },
};
