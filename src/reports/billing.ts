import { endedBetween, type Metric } from '../correlate/es.js';
import { UsageError } from '../errors.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report, ReportContext, ReportRow } from './context.js';
import { OBSERVER_SOURCE, observerFilter, observerName, PerObserver } from './observers.js';

/** Billing periods, by the name users give, to Elasticsearch's calendar interval (months have their real lengths, UTC). */
export const PERIODS = new Map([
  ['hour', '1h'],
  ['day', '1d'],
  ['week', '1w'],
  ['month', '1M'],
]);

type BillBucket = CompositeBucket<{ ip: string; period: number; observer: string | null }> & {
  internal: { bytes: Metric };
  external: { bytes: Metric };
};

type Bill = ReportRow & {
  ip: string;
  period: string;
  external_in: number;
  external_out: number;
  internal_in: number;
  internal_out: number;
  external: number;
  total: number;
};

/** The tally of every local address, or of the one named. */
async function bills(
  ctx: Pick<ReportContext, 'client' | 'flows' | 'range' | 'interval' | 'observers'>,
  ip?: string,
): Promise<ReportRow[]> {
  const interval = PERIODS.get(ctx.interval);
  if (!interval) throw new UsageError(`interval: expected one of ${[...PERIODS.keys()].join(', ')}`);
  const rows = new PerObserver<Bill>(() => ({
    ip: '',
    period: '',
    external_in: 0,
    external_out: 0,
    internal_in: 0,
    internal_out: 0,
    external: 0,
    total: 0,
  }));
  for (const [side, direction] of [
    ['source', 'out'],
    ['destination', 'in'],
  ] as const) {
    const locality = (value: string) => ({
      filter: { term: { 'flow.locality': value } },
      aggs: { bytes: { sum: { field: 'network.bytes' } } },
    });
    const buckets = await allBuckets<BillBucket['key'], BillBucket>(
      ctx.client,
      ctx.flows,
      {
        bool: {
          filter: [
            endedBetween(ctx.range.from, ctx.range.to),
            { term: { [`${side}.locality`]: 'internal' } },
            ...(ip === undefined ? [] : [{ term: { [`${side}.ip`]: ip } }]),
            ...observerFilter(ctx.observers),
          ],
        },
      },
      [
        { ip: { terms: { field: `${side}.ip` } } },
        { period: { date_histogram: { field: '@timestamp', calendar_interval: interval } } },
        OBSERVER_SOURCE,
      ],
      { internal: locality('internal'), external: locality('external') },
    );
    for (const b of buckets) {
      const period = new Date(b.key.period).toISOString();
      const row = rows.row(`${b.key.ip} ${period}`, observerName(b.key.observer));
      row.ip = b.key.ip;
      row.period = period;
      const internal = b.internal.bytes.value ?? 0;
      const external = b.external.bytes.value ?? 0;
      row[`internal_${direction}`] += internal;
      row[`external_${direction}`] += external;
      row.external += external;
      row.total += internal + external;
    }
  }
  return rows
    .rows((row) => row.total, ctx.observers.each)
    .sort(
      (a, b) =>
        a.ip.localeCompare(b.ip, 'en', { numeric: true }) ||
        a.period.localeCompare(b.period) ||
        a.observer.localeCompare(b.observer),
    );
}

/**
 * Bytes per local address and period, split into traffic that stayed inside the local networks and traffic that
 * crossed their edge, each in and out: what an ISP bills is the external part.
 */
export const billing: Report = {
  name: 'billing',
  description: 'bytes per local address and period: internal vs external, in and out (use --csv)',
  columns: [
    'ip',
    'period',
    'external_in',
    'external_out',
    'internal_in',
    'internal_out',
    'external',
    'total',
    'observer',
  ],
  run: (ctx) => bills(ctx),
};

/** The billing report's rows of one local address (none for an address outside the local networks). */
export function hostBilling(
  ctx: Pick<ReportContext, 'client' | 'flows' | 'range' | 'interval' | 'observers'>,
  ip: string,
): Promise<ReportRow[]> {
  return bills(ctx, ip);
}
