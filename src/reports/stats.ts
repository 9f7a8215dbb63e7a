import { type Bucket, endedBetween, type Metric, search, type Terms } from '../correlate/es.js';
import type { Report, ReportRow } from './context.js';

type Sums = { bytes: Metric; packets: Metric };
type StatsAggs = Sums & {
  sources: Metric;
  destinations: Metric;
  first: Metric & { value_as_string?: string };
  last: Metric & { value_as_string?: string };
  transport: Terms<Bucket & Sums>;
  direction: Terms<Bucket & Sums>;
  module: Terms<Bucket & Sums>;
};

/** General statistics of the range: totals, distinct addresses, and splits by transport, direction and source. */
export const statistics: Report = {
  name: 'stats',
  description: 'totals, distinct addresses, and traffic by transport, direction and module',
  columns: ['metric', 'value', 'flows', 'packets', 'bytes'],
  async run(ctx) {
    const sums = {
      bytes: { sum: { field: 'network.bytes' } },
      packets: { sum: { field: 'network.packets' } },
    };
    const split = (field: string) => ({ terms: { field, size: 50, missing: 'unknown' }, aggs: sums });
    const result = await search<unknown, StatsAggs>(ctx.client, ctx.flows, {
      size: 0,
      track_total_hits: true,
      query: endedBetween(ctx.range.from, ctx.range.to),
      aggs: {
        ...sums,
        sources: { cardinality: { field: 'source.ip', precision_threshold: 40_000 } },
        destinations: { cardinality: { field: 'destination.ip', precision_threshold: 40_000 } },
        first: { min: { field: '@timestamp' } },
        last: { max: { field: '@timestamp' } },
        transport: split('network.transport'),
        direction: split('network.direction'),
        module: split('event.module'),
      },
    });
    const a = result.aggregations;
    const total = result.hits.total.value;
    const rows: ReportRow[] = [
      {
        metric: 'total',
        value: null,
        flows: total,
        packets: a.packets.value ?? 0,
        bytes: a.bytes.value ?? 0,
      },
      { metric: 'distinct sources', value: a.sources.value ?? 0, flows: null, packets: null, bytes: null },
      {
        metric: 'distinct destinations',
        value: a.destinations.value ?? 0,
        flows: null,
        packets: null,
        bytes: null,
      },
      {
        metric: 'first flow end',
        value: a.first.value_as_string ?? null,
        flows: null,
        packets: null,
        bytes: null,
      },
      {
        metric: 'last flow end',
        value: a.last.value_as_string ?? null,
        flows: null,
        packets: null,
        bytes: null,
      },
    ];
    for (const name of ['transport', 'direction', 'module'] as const) {
      for (const b of a[name].buckets) {
        rows.push({
          metric: name,
          value: String(b.key),
          flows: b.doc_count,
          packets: b.packets.value ?? 0,
          bytes: b.bytes.value ?? 0,
        });
      }
    }
    return rows;
  },
};
