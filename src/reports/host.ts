import { type Bucket, endedBetween, type Metric, search, type Terms } from '../correlate/es.js';
import type { StoreClient } from '../store/client.js';
import { histogramInterval, SERVICE_IS_DESTINATION } from './scripts.js';
import type { TimeRange } from './time.js';

const TOP = 25;

export interface HostLog {
  ip: string;
  from: string;
  to: string;
  flows: number;
  bytes_out: number;
  bytes_in: number;
  /** Hosts it sent most to. */
  talked_to: Array<{ ip: string; flows: number; bytes: number }>;
  /** Services (port/transport on the other side) it used as a client, and on how many servers. */
  services_used: Array<{ port: number; transport: string; flows: number; servers: number }>;
  /** Clients that reached services on it, and which ports. */
  accessed_by: Array<{ ip: string; flows: number; bytes: number; ports: number[] }>;
  over_time: Array<{ time: string; bytes_out: number; bytes_in: number; flows: number }>;
}

type Aggs = {
  out: { bytes: Metric; peers: Terms<Bucket & { bytes: Metric }> };
  in: { bytes: Metric };
  used: { services: Terms<Bucket & { transport: Terms; servers: Metric }> };
  accessed: { clients: Terms<Bucket & { bytes: Metric; ports: Terms }> };
  over_time: Terms<Bucket & { out: { bytes: Metric }; in: { bytes: Metric } }>;
};

/** `flowtrail host <ip>`: what one address did, what it used, who used it, and its traffic over time. */
export async function hostLog(
  client: StoreClient,
  flows: string,
  ip: string,
  range: TimeRange,
): Promise<HostLog> {
  const asSource = { term: { 'source.ip': ip } };
  const asDestination = { term: { 'destination.ip': ip } };
  const bytes = { sum: { field: 'network.bytes' } };
  const result = await search<unknown, Aggs>(client, flows, {
    size: 0,
    track_total_hits: true,
    query: { bool: { filter: [{ term: { 'related.ip': ip } }, endedBetween(range.from, range.to)] } },
    aggs: {
      out: {
        filter: asSource,
        aggs: {
          bytes,
          peers: {
            terms: { field: 'destination.ip', size: TOP, order: { bytes: 'desc' } },
            aggs: { bytes },
          },
        },
      },
      in: { filter: asDestination, aggs: { bytes } },
      used: {
        filter: { bool: { filter: [asSource, SERVICE_IS_DESTINATION] } },
        aggs: {
          services: {
            terms: { field: 'destination.port', size: TOP },
            aggs: {
              transport: { terms: { field: 'network.transport', size: 1 } },
              servers: { cardinality: { field: 'destination.ip' } },
            },
          },
        },
      },
      accessed: {
        filter: { bool: { filter: [asDestination, SERVICE_IS_DESTINATION] } },
        aggs: {
          clients: {
            terms: { field: 'source.ip', size: TOP, order: { bytes: 'desc' } },
            aggs: { bytes, ports: { terms: { field: 'destination.port', size: 20 } } },
          },
        },
      },
      over_time: {
        date_histogram: {
          field: '@timestamp',
          fixed_interval: histogramInterval(range.from, range.to),
          min_doc_count: 0,
          extended_bounds: { min: range.from, max: range.to - 1 },
        },
        aggs: { out: { filter: asSource, aggs: { bytes } }, in: { filter: asDestination, aggs: { bytes } } },
      },
    },
  });
  const a = result.aggregations;
  return {
    ip,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    flows: result.hits.total.value,
    bytes_out: a.out.bytes.value ?? 0,
    bytes_in: a.in.bytes.value ?? 0,
    talked_to: a.out.peers.buckets.map((b) => ({
      ip: String(b.key),
      flows: b.doc_count,
      bytes: b.bytes.value ?? 0,
    })),
    services_used: a.used.services.buckets.map((b) => ({
      port: Number(b.key),
      transport: String(b.transport.buckets[0]?.key ?? ''),
      flows: b.doc_count,
      servers: b.servers.value ?? 0,
    })),
    accessed_by: a.accessed.clients.buckets.map((b) => ({
      ip: String(b.key),
      flows: b.doc_count,
      bytes: b.bytes.value ?? 0,
      ports: b.ports.buckets.map((p) => Number(p.key)).sort((x, y) => x - y),
    })),
    over_time: a.over_time.buckets.map((b) => ({
      time: b.key_as_string ?? new Date(Number(b.key)).toISOString(),
      bytes_out: b.out.bytes.value ?? 0,
      bytes_in: b.in.bytes.value ?? 0,
      flows: b.doc_count,
    })),
  };
}
