import type { Client } from '@elastic/elasticsearch';
import { FAILED_ATTEMPT_QUERY } from './documents.js';
import { type Bucket, endedBetween, iso, type Metric, search, type Terms } from './es.js';

export interface ScanThresholds {
  minPorts: number;
  minDestinations: number;
  minFailedShare: number;
}

export interface Activity {
  bytes: number;
  flows: number;
  /** Distinct other addresses it exchanged flows with. */
  peers: number;
  /** Distinct destination ports it sent to (services it used, or probed). */
  ports_contacted: number;
  /** Distinct ports of its own that others sent to. */
  ports_accessed: number;
  /** Peers of this window with which it had no flow in the history before the window (up to 100 listed). */
  new_peers: string[];
  new_peer_count: number;
  /** Its behaviour as a sender: does it look like it is scanning? */
  scan: { destinations: number; ports: number; failed_share: number; scanning: boolean };
}

export interface EndpointActivity {
  ip: string;
  before: Activity;
  after: Activity;
}

interface WindowAggs {
  doc_count: number;
  bytes: Metric;
  peers: Metric;
  peer_list: Terms;
  accessed: { ports: Metric };
  sent: {
    destinations: Metric;
    top_destination: Terms<Bucket & { ports: Metric }>;
    ports: Metric;
    tcp: { doc_count: number; failed: { doc_count: number } };
  };
}

type Keyed<T> = { buckets: Record<string, T> };
type WhenAggs = { when: Keyed<WindowAggs> };
type SeenAggs = { before: { seen: Terms }; after: { seen: Terms } };

/** Peers listed per window; beyond that only their count is exact. */
const PEER_LIST = 1000;
const NEW_PEERS_SHOWN = 100;
const WHEN = ['before', 'after'] as const;

function windowAggs(ip: string): Record<string, unknown> {
  const cardinality = (field: string) => ({ cardinality: { field, precision_threshold: 3000 } });
  return {
    bytes: { sum: { field: 'network.bytes' } },
    peers: cardinality('related.ip'),
    peer_list: { terms: { field: 'related.ip', size: PEER_LIST } },
    accessed: {
      filter: { term: { 'destination.ip': ip } },
      aggs: { ports: cardinality('destination.port') },
    },
    sent: {
      filter: { term: { 'source.ip': ip } },
      aggs: {
        destinations: cardinality('destination.ip'),
        ports: cardinality('destination.port'),
        // The destination it sent most flows to, and on how many ports: a port scan's target leads by
        // far. Ranking every destination by its port count instead costs a cardinality per destination.
        top_destination: {
          terms: { field: 'destination.ip', size: 1 },
          aggs: { ports: cardinality('destination.port') },
        },
        tcp: {
          filter: { term: { 'network.transport': 'tcp' } },
          aggs: { failed: { filter: FAILED_ATTEMPT_QUERY } },
        },
      },
    },
  };
}

function byEndpoint(ips: readonly string[], aggs: (ip: string) => Record<string, unknown>) {
  return Object.fromEntries(
    ips.map((ip, i) => [`e${i}`, { filter: { term: { 'related.ip': ip } }, aggs: aggs(ip) }]),
  );
}

function toActivity(ip: string, w: WindowAggs, seen: Set<string>, thresholds: ScanThresholds): Activity {
  const peers = w.peer_list.buckets.map((b) => String(b.key)).filter((p) => p !== ip);
  const fresh = peers.filter((p) => !seen.has(p));
  const tcp = w.sent.tcp.doc_count;
  const failedShare = tcp === 0 ? 0 : w.sent.tcp.failed.doc_count / tcp;
  const destinations = w.sent.destinations.value ?? 0;
  const portsOnOne = w.sent.top_destination.buckets[0]?.ports.value ?? 0;
  return {
    bytes: w.bytes.value ?? 0,
    flows: w.doc_count,
    // related.ip holds the endpoint itself on every one of its flows.
    peers: Math.max(0, (w.peers.value ?? 0) - (w.doc_count > 0 ? 1 : 0)),
    ports_contacted: w.sent.ports.value ?? 0,
    ports_accessed: w.accessed.ports.value ?? 0,
    new_peers: fresh.slice(0, NEW_PEERS_SHOWN),
    new_peer_count: fresh.length,
    scan: {
      destinations,
      ports: portsOnOne,
      failed_share: Math.round(failedShare * 1000) / 1000,
      scanning:
        failedShare >= thresholds.minFailedShare &&
        (destinations >= thresholds.minDestinations || portsOnOne >= thresholds.minPorts),
    },
  };
}

/**
 * What each endpoint did in the window before and the window after `time`, in two searches for all of them:
 * one over the windows (split per endpoint and side by filter aggregations), one over the history before each
 * window for the peers found in it. The second waits for the first, which names the peers to look up.
 */
export async function endpointActivity(
  client: Client,
  flowIndex: string,
  ips: readonly string[],
  time: number,
  windowMs: number,
  historyMs: number,
  thresholds: ScanThresholds,
): Promise<EndpointActivity[]> {
  if (ips.length === 0) return [];
  const ranges = {
    before: { range: { '@timestamp': { gte: iso(time - windowMs), lt: iso(time) } } },
    after: { range: { '@timestamp': { gte: iso(time), lt: iso(time + windowMs) } } },
  };
  const windows = await search<unknown, Record<string, WhenAggs>>(client, flowIndex, {
    size: 0,
    query: {
      bool: { filter: [{ terms: { 'related.ip': ips } }, endedBetween(time - windowMs, time + windowMs)] },
    },
    aggs: byEndpoint(ips, (ip) => ({ when: { filters: { filters: ranges }, aggs: windowAggs(ip) } })),
  });
  const peersOf = (i: number, when: (typeof WHEN)[number]) =>
    windows.aggregations[`e${i}`].when.buckets[when].peer_list.buckets
      .map((b) => String(b.key))
      .filter((p) => p !== ips[i]);
  const allPeers = [...new Set(ips.flatMap((_, i) => WHEN.flatMap((when) => peersOf(i, when))))];
  // "Seen before" is judged against the history preceding each window: before the alert's window for the
  // `before` side, before the alert itself for the `after` side.
  const history = {
    before: endedBetween(time - windowMs - historyMs, time - windowMs),
    after: endedBetween(time - historyMs, time),
  };
  // The endpoint's own flows drive the search; the peers only narrow the terms counted (as a query filter, the
  // union of a thousand busy peers' flows would cost more than the endpoint's history itself).
  const seen = await search<unknown, Record<string, SeenAggs>>(client, flowIndex, {
    size: 0,
    query: {
      bool: {
        filter: [{ terms: { 'related.ip': ips } }, endedBetween(time - windowMs - historyMs, time)],
      },
    },
    aggs: byEndpoint(ips, (_ip) =>
      Object.fromEntries(
        WHEN.map((when) => [
          when,
          {
            filter: history[when],
            aggs: {
              seen: { terms: { field: 'related.ip', size: Math.max(1, allPeers.length), include: allPeers } },
            },
          },
        ]),
      ),
    ),
  });
  return ips.map((ip, i) => {
    const result: Partial<Record<(typeof WHEN)[number], Activity>> = {};
    for (const when of WHEN) {
      const seenSet = new Set(seen.aggregations[`e${i}`][when].seen.buckets.map((b) => String(b.key)));
      result[when] = toActivity(ip, windows.aggregations[`e${i}`].when.buckets[when], seenSet, thresholds);
    }
    return { ip, before: result.before!, after: result.after! };
  });
}
