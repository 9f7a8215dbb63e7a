import { type Bucket, endedBetween, type Metric, search, type Terms } from '../correlate/es.js';
import type { Report, ReportRow } from './context.js';
import { byObserver, chosen, observerFilter, observerName } from './observers.js';

type Sums = { bytes: Metric; packets: Metric };
type ObserverAggs = Bucket &
  Sums & {
    sources: Metric;
    destinations: Metric;
    first: Metric & { value_as_string?: string };
    last: Metric & { value_as_string?: string };
    transport: Terms<Bucket & Sums>;
    direction: Terms<Bucket & Sums>;
    module: Terms<Bucket>;
  };

const SUMS = {
  bytes: { sum: { field: 'network.bytes' } },
  packets: { sum: { field: 'network.packets' } },
};

function split(field: string) {
  return { terms: { field, size: 50, missing: 'unknown' }, aggs: SUMS };
}

function line(metric: string, value: string | number | null, sums?: Bucket & Sums): ReportRow {
  return {
    metric,
    value,
    flows: sums?.doc_count ?? null,
    packets: sums === undefined ? null : (sums.packets.value ?? 0),
    bytes: sums === undefined ? null : (sums.bytes.value ?? 0),
  };
}

/** The figures of one observer's records. */
function figures(o: ObserverAggs): ReportRow[] {
  const rows = [
    line('total', null, o),
    line('distinct sources', o.sources.value ?? 0),
    line('distinct destinations', o.destinations.value ?? 0),
    line('first flow end', o.first.value_as_string ?? null),
    line('last flow end', o.last.value_as_string ?? null),
  ];
  for (const name of ['transport', 'direction'] as const) {
    for (const b of o[name].buckets) rows.push(line(name, String(b.key), b));
  }
  return rows;
}

/**
 * General statistics of the range. The figures are those of the observer that saw the most bytes (observers.ts);
 * every observer's own totals follow, with its module, so that what the others saw is in view too.
 */
export const statistics: Report = {
  name: 'stats',
  description: 'totals, distinct addresses, and traffic by transport and direction; every observer’s totals',
  columns: ['metric', 'value', 'flows', 'packets', 'bytes'],
  async run(ctx) {
    const result = await search<unknown, { observers: Terms<ObserverAggs> }>(ctx.client, ctx.flows, {
      size: 0,
      query: {
        bool: { filter: [endedBetween(ctx.range.from, ctx.range.to), ...observerFilter(ctx.observers)] },
      },
      aggs: {
        observers: byObserver({
          ...SUMS,
          sources: { cardinality: { field: 'source.ip', precision_threshold: 40_000 } },
          destinations: { cardinality: { field: 'destination.ip', precision_threshold: 40_000 } },
          first: { min: { field: '@timestamp' } },
          last: { max: { field: '@timestamp' } },
          transport: split('network.transport'),
          direction: split('network.direction'),
          module: { terms: { field: 'event.module', size: 1, missing: 'unknown' } },
        }),
      },
    });
    const observers = result.aggregations.observers.buckets;
    if (observers.length === 0) return [{ metric: 'total', value: null, flows: 0, packets: 0, bytes: 0 }];
    const shown = chosen(observers, (o) => o.bytes.value ?? 0, ctx.observers.each);
    const rows = shown.flatMap((o) => {
      const named = figures(o);
      return ctx.observers.each ? named.map((row) => ({ ...row, observer: observerName(o.key) })) : named;
    });
    if (!ctx.observers.each) {
      rows.splice(1, 0, line('counted from', observerName(shown[0]?.key)));
      for (const o of observers) {
        rows.push(line('observer', `${observerName(o.key)} (${o.module.buckets[0]?.key ?? 'unknown'})`, o));
      }
    }
    return rows;
  },
};
