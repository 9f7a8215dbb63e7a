import { FAILED_ATTEMPT_QUERY } from '../correlate/documents.js';
import { type Bucket, endedBetween, type Metric, type Terms } from '../correlate/es.js';
import { NOT_A_REPLY, PORTED } from '../correlate/flow-queries.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report, ReportContext, ReportRow } from './context.js';
import { chosen, OBSERVER_SOURCE, observerFilter, observerName } from './observers.js';

type ScanBucket = CompositeBucket<{ ip: string; observer: string | null }> & {
  destinations: Metric;
  ported: { ports: Metric; top: Terms };
  tcp: { doc_count: number; failed: { doc_count: number } };
  top_destination: Terms<Bucket & { ported: { ports: Metric } }>;
};

const PORTS_LISTED = 20;
const SUSPECTS_PER_QUERY = 10_000;

/**
 * Sources that behave like scanners: many destinations, or many ports on one destination, with most of their TCP
 * attempts failing. Incoming: sources outside the local networks; outgoing: sources inside them. Only the
 * conversations a source opened count, and each source's figures are one observer's (observers.ts): the one that
 * saw it try the most destinations.
 */
function scanners(locality: 'external' | 'internal', name: string, description: string): Report {
  return {
    name,
    description,
    columns: [
      'ip',
      'destinations',
      'distinct_ports',
      'max_ports_per_destination',
      'failed_share',
      'flows',
      'ports',
      'observer',
    ],
    async run(ctx: ReportContext): Promise<ReportRow[]> {
      const cardinality = (field: string) => ({ cardinality: { field, precision_threshold: 3000 } });
      // Only sources with at least one failed attempt can be scanners; the rest are not even paged through.
      const query = {
        bool: {
          filter: [
            endedBetween(ctx.range.from, ctx.range.to),
            { term: { 'source.locality': locality } },
            NOT_A_REPLY,
            ...observerFilter(ctx.observers),
          ],
        },
      };
      const suspects = await allBuckets<{ ip: string }, CompositeBucket<{ ip: string }>>(
        ctx.client,
        ctx.flows,
        { bool: { filter: [query, FAILED_ATTEMPT_QUERY] } },
        [{ ip: { terms: { field: 'source.ip' } } }],
        {},
      );
      const buckets: ScanBucket[] = [];
      // In slices, to stay far below the cluster's limit on the terms of one query.
      for (let i = 0; i < suspects.length; i += SUSPECTS_PER_QUERY) {
        const slice = suspects.slice(i, i + SUSPECTS_PER_QUERY).map((s) => s.key.ip);
        buckets.push(
          ...(await allBuckets<ScanBucket['key'], ScanBucket>(
            ctx.client,
            ctx.flows,
            { bool: { filter: [query, { terms: { 'source.ip': slice } }] } },
            [{ ip: { terms: { field: 'source.ip' } } }, OBSERVER_SOURCE],
            {
              destinations: cardinality('destination.ip'),
              ported: {
                filter: PORTED,
                aggs: {
                  ports: cardinality('destination.port'),
                  top: { terms: { field: 'destination.port', size: PORTS_LISTED } },
                },
              },
              tcp: {
                filter: { term: { 'network.transport': 'tcp' } },
                aggs: { failed: { filter: FAILED_ATTEMPT_QUERY } },
              },
              top_destination: {
                terms: { field: 'destination.ip', size: 1, order: { 'ported>ports': 'desc' } },
                aggs: { ported: { filter: PORTED, aggs: { ports: cardinality('destination.port') } } },
              },
            },
          )),
        );
      }
      const bySource = new Map<string, ScanBucket[]>();
      for (const b of buckets) bySource.set(b.key.ip, [...(bySource.get(b.key.ip) ?? []), b]);
      const seen = [...bySource.values()].flatMap((views) =>
        chosen(
          views,
          (b) => (b.destinations.value ?? 0) * 2 ** 32 + b.doc_count,
          ctx.observers.each,
          (b) => observerName(b.key.observer),
        ),
      );
      const rows: Array<ReportRow & { destinations: number; flows: number }> = [];
      for (const b of seen) {
        const failedShare = b.tcp.doc_count === 0 ? 0 : b.tcp.failed.doc_count / b.tcp.doc_count;
        const destinations = b.destinations.value ?? 0;
        const portsOnOne = b.top_destination.buckets[0]?.ported.ports.value ?? 0;
        if (failedShare < ctx.scan.minFailedShare) continue;
        if (destinations < ctx.scan.minDestinations && portsOnOne < ctx.scan.minPorts) continue;
        rows.push({
          ip: b.key.ip,
          destinations,
          distinct_ports: b.ported.ports.value ?? 0,
          max_ports_per_destination: portsOnOne,
          failed_share: Math.round(failedShare * 1000) / 1000,
          flows: b.doc_count,
          ports: b.ported.top.buckets.map((p) => Number(p.key)).sort((x, y) => x - y),
          observer: observerName(b.key.observer),
        });
      }
      return rows
        .sort((a, b) => b.flows - a.flows || String(a.ip).localeCompare(String(b.ip)))
        .slice(0, ctx.limit);
    },
  };
}

export const scansIn = scanners(
  'external',
  'scans-in',
  'scanners outside the local networks and what they scanned',
);
export const scansOut = scanners(
  'internal',
  'scans-out',
  'local hosts scanning others, and the ports they tried',
);
