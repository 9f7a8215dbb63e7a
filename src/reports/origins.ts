import { endedBetween, type Metric, type Terms } from '../correlate/es.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report, ReportContext, ReportRow } from './context.js';
import { OBSERVER_SOURCE, observerFilter, observerName, PerObserver } from './observers.js';

/** What a row is keyed by (`as.number`, `geo.country_iso_code`) and named by, under source/destination. */
interface Grouping {
  name: string;
  description: string;
  /** The row's first column, and the field under each endpoint that keys it. */
  column: string;
  field: string;
  /** The column that names it, and its field. */
  nameColumn: string;
  nameField: string;
}

type OriginBucket = CompositeBucket<{ value: string | number; observer: string | null }> & {
  bytes: Metric;
  hosts: Metric;
  named: Terms<{ key: string; doc_count: number }>;
};

interface OriginRow extends ReportRow {
  from: number;
  to: number;
  bytes: number;
  flows: number;
  hosts: number;
}

/**
 * Traffic by where the other end is, from the enrichment's fields (GeoIP/ASN, see README "Enrichment"): bytes of
 * flows coming from it (its address the source) and going to it (the destination), flows, and how many distinct
 * addresses at the other end of those flows. A flow with both ends in one group counts in both columns. Each row
 * as the observer that saw the most of its bytes saw it (observers.ts).
 */
function trafficBy(g: Grouping): Report {
  return {
    name: g.name,
    description: g.description,
    columns: [g.column, g.nameColumn, 'bytes', 'from', 'to', 'flows', 'hosts', 'observer'],
    async run(ctx: ReportContext): Promise<ReportRow[]> {
      const rows = new PerObserver<OriginRow>(() => ({
        [g.column]: null,
        [g.nameColumn]: null,
        bytes: 0,
        from: 0,
        to: 0,
        flows: 0,
        hosts: 0,
      }));
      for (const side of ['source', 'destination'] as const) {
        const other = side === 'source' ? 'destination' : 'source';
        const buckets = await allBuckets<OriginBucket['key'], OriginBucket>(
          ctx.client,
          ctx.flows,
          {
            bool: { filter: [endedBetween(ctx.range.from, ctx.range.to), ...observerFilter(ctx.observers)] },
          },
          [{ value: { terms: { field: `${side}.${g.field}` } } }, OBSERVER_SOURCE],
          {
            bytes: { sum: { field: 'network.bytes' } },
            hosts: { cardinality: { field: `${other}.ip` } },
            named: { terms: { field: `${side}.${g.nameField}`, size: 1 } },
          },
        );
        for (const b of buckets) {
          const row = rows.row(String(b.key.value), observerName(b.key.observer));
          const bytes = b.bytes.value ?? 0;
          row[g.column] = b.key.value;
          row[g.nameColumn] ??= b.named.buckets[0]?.key ?? null;
          row.bytes += bytes;
          if (side === 'source') row.from += bytes;
          else row.to += bytes;
          row.flows += b.doc_count;
          // Distinct addresses over both directions cannot be added up: the larger count is a lower bound.
          row.hosts = Math.max(row.hosts, b.hosts.value ?? 0);
        }
      }
      return rows
        .rows((row) => row.bytes, ctx.observers.each)
        .sort((a, b) => b.bytes - a.bytes || String(a[g.column]).localeCompare(String(b[g.column])))
        .slice(0, ctx.limit);
    },
  };
}

export const topAs = trafficBy({
  name: 'top-as',
  description: 'autonomous systems exchanging the most bytes (needs enrichment.geoip.asn)',
  column: 'as',
  field: 'as.number',
  nameColumn: 'organization',
  nameField: 'as.organization.name',
});

export const topCountries = trafficBy({
  name: 'top-countries',
  description: 'countries exchanging the most bytes (needs enrichment.geoip.city)',
  column: 'country',
  field: 'geo.country_iso_code',
  nameColumn: 'name',
  nameField: 'geo.country_name',
});
