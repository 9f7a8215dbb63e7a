import { type Bucket, endedBetween, type Metric, search, type Terms } from '../correlate/es.js';
import { observerIs, PORTED } from '../correlate/flow-queries.js';
import type { StoreClient } from '../store/client.js';
import { byObserver, type ObserverView, ONE_VIEW, observerName } from './observers.js';
import { histogramInterval, type TimeRange } from './time.js';

const TOP = 25;

export interface HostLog {
  ip: string;
  from: string;
  to: string;
  /** Whose records the figures below are: the observer that saw the most of this address's bytes (observers.ts). */
  observer: string;
  flows: number;
  bytes_out: number;
  bytes_in: number;
  /** Every observer's own totals for this address, the busiest first. */
  observers: Array<{ observer: string; flows: number; bytes_out: number; bytes_in: number }>;
  /** Hosts it sent most to, the server ports of those flows, and when they were first and last seen. */
  talked_to: Array<{ ip: string; flows: number; bytes: number; ports: number[] } & Seen>;
  /** Services it used: the server's port and transport in the conversations it opened, and on how many servers. */
  services_used: Array<{ port: number; transport: string; flows: number; servers: number }>;
  /** Services it offered: its own ports on which others opened conversations with it, and how many clients. */
  services_offered: Array<{ port: number; transport: string; flows: number; clients: number }>;
  /** Clients that opened conversations with it, and the ports of its they reached. */
  accessed_by: Array<{ ip: string; flows: number; bytes: number; ports: number[] } & Seen>;
  over_time: Array<{ time: string; bytes_out: number; bytes_in: number; flows: number }>;
}

/** The record times (flow ends) of the first and last flow with a peer in the range. */
interface Seen {
  first_seen: string | null;
  last_seen: string | null;
}

type Totals = { out: { bytes: Metric }; in: { bytes: Metric } };
type Time = Metric & { value_as_string?: string };
type PeerBucket = Bucket & { bytes: Metric; ports: { ports: Terms }; first: Time; last: Time };

type Aggs = {
  out: { bytes: Metric; peers: Terms<PeerBucket> };
  in: { bytes: Metric };
  used: { services: Terms<Bucket & { transport: Terms; servers: Metric }> };
  offered: { services: Terms<Bucket & { transport: Terms; clients: Metric }> };
  accessed: { clients: Terms<PeerBucket> };
  over_time: Terms<Bucket & Totals>;
};

const BYTES = { sum: { field: 'network.bytes' } };

/** Per peer: bytes, the server ports of its flows with the address, and its first and last record time. */
const PEER = {
  bytes: BYTES,
  ports: { filter: PORTED, aggs: { ports: { terms: { field: 'server.port', size: 20 } } } },
  first: { min: { field: '@timestamp' } },
  last: { max: { field: '@timestamp' } },
};

function time(metric: Time): string | null {
  return metric.value === null ? null : new Date(metric.value).toISOString();
}

function peerRow(b: PeerBucket) {
  return {
    ip: String(b.key),
    flows: b.doc_count,
    bytes: b.bytes.value ?? 0,
    ports: b.ports.ports.buckets.map((p) => Number(p.key)).sort((x, y) => x - y),
    first_seen: time(b.first),
    last_seen: time(b.last),
  };
}

/** What one address did by each observer's records, the busiest first. */
async function observersOf(
  client: StoreClient,
  flows: string,
  ip: string,
  scope: Record<string, unknown>[],
): Promise<Array<Bucket & Totals>> {
  const result = await search<unknown, { observers: Terms<Bucket & Totals> }>(client, flows, {
    size: 0,
    query: { bool: { filter: scope } },
    aggs: {
      observers: byObserver({
        out: { filter: { term: { 'source.ip': ip } }, aggs: { bytes: BYTES } },
        in: { filter: { term: { 'destination.ip': ip } }, aggs: { bytes: BYTES } },
      }),
    },
  });
  const bytes = (o: Totals) => (o.out.bytes.value ?? 0) + (o.in.bytes.value ?? 0);
  return result.aggregations.observers.buckets.sort(
    (a, b) => bytes(b) - bytes(a) || observerName(a.key).localeCompare(observerName(b.key)),
  );
}

/**
 * `flowtrail host <ip>`: what one address did, what it used, who used it, and its traffic over time, all from one
 * observer's records (by default the one that saw the most of its traffic), with every observer's totals beside.
 */
export async function hostLog(
  client: StoreClient,
  flows: string,
  ip: string,
  range: TimeRange,
  view: ObserverView = ONE_VIEW,
): Promise<HostLog> {
  const scope = [{ term: { 'related.ip': ip } }, endedBetween(range.from, range.to)];
  const observers = await observersOf(client, flows, ip, scope);
  const observer = view.only ?? observerName(observers[0]?.key);
  const asSource = { term: { 'source.ip': ip } };
  const asDestination = { term: { 'destination.ip': ip } };
  const result = await search<unknown, Aggs>(client, flows, {
    size: 0,
    track_total_hits: true,
    query: { bool: { filter: [...scope, observerIs(observer)] } },
    aggs: {
      out: {
        filter: asSource,
        aggs: {
          bytes: BYTES,
          peers: {
            terms: { field: 'destination.ip', size: TOP, order: { bytes: 'desc' } },
            aggs: PEER,
          },
        },
      },
      in: { filter: asDestination, aggs: { bytes: BYTES } },
      used: {
        filter: { bool: { filter: [{ term: { 'client.ip': ip } }, PORTED] } },
        aggs: {
          services: {
            terms: { field: 'server.port', size: TOP },
            aggs: {
              transport: { terms: { field: 'network.transport', size: 1 } },
              servers: { cardinality: { field: 'server.ip' } },
            },
          },
        },
      },
      offered: {
        filter: { bool: { filter: [{ term: { 'server.ip': ip } }, PORTED] } },
        aggs: {
          services: {
            terms: { field: 'server.port', size: TOP },
            aggs: {
              transport: { terms: { field: 'network.transport', size: 1 } },
              clients: { cardinality: { field: 'client.ip' } },
            },
          },
        },
      },
      accessed: {
        filter: { term: { 'server.ip': ip } },
        aggs: {
          clients: { terms: { field: 'client.ip', size: TOP, order: { bytes: 'desc' } }, aggs: PEER },
        },
      },
      over_time: {
        date_histogram: {
          field: '@timestamp',
          fixed_interval: histogramInterval(range.from, range.to),
          min_doc_count: 0,
          extended_bounds: { min: range.from, max: range.to - 1 },
        },
        aggs: {
          out: { filter: asSource, aggs: { bytes: BYTES } },
          in: { filter: asDestination, aggs: { bytes: BYTES } },
        },
      },
    },
  });
  const a = result.aggregations;
  return {
    ip,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    observer,
    flows: result.hits.total.value,
    bytes_out: a.out.bytes.value ?? 0,
    bytes_in: a.in.bytes.value ?? 0,
    observers: observers.map((o) => ({
      observer: observerName(o.key),
      flows: o.doc_count,
      bytes_out: o.out.bytes.value ?? 0,
      bytes_in: o.in.bytes.value ?? 0,
    })),
    talked_to: a.out.peers.buckets.map(peerRow),
    services_used: a.used.services.buckets.map((b) => ({
      port: Number(b.key),
      transport: String(b.transport.buckets[0]?.key ?? ''),
      flows: b.doc_count,
      servers: b.servers.value ?? 0,
    })),
    services_offered: a.offered.services.buckets.map((b) => ({
      port: Number(b.key),
      transport: String(b.transport.buckets[0]?.key ?? ''),
      flows: b.doc_count,
      clients: b.clients.value ?? 0,
    })),
    accessed_by: a.accessed.clients.buckets.map(peerRow),
    over_time: a.over_time.buckets.map((b) => ({
      time: b.key_as_string ?? new Date(Number(b.key)).toISOString(),
      bytes_out: b.out.bytes.value ?? 0,
      bytes_in: b.in.bytes.value ?? 0,
      flows: b.doc_count,
    })),
  };
}
