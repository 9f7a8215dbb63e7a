import { FAILED_ATTEMPT_QUERY } from './documents.js';
import { type Bucket, iso, type Metric, type SearchResult, type Terms } from './es.js';
import { NOT_A_REPLY, OBSERVER_FIELD, PORTED } from './flow-queries.js';

export interface ScanThresholds {
  minPorts: number;
  minDestinations: number;
  minFailedShare: number;
}

/**
 * What one address did in a window, as one observer saw it: the observer that saw the most of its bytes there
 * (several exporters on one link report the same flows; the rule is src/reports/observers.ts's).
 */
export interface Activity {
  /** Whose records the figures are; `-` for records that name none. */
  observer: string;
  bytes: number;
  flows: number;
  /** Distinct other addresses it exchanged flows with. */
  peers: number;
  /** Distinct server ports of the conversations it opened (services it used, or probed). */
  ports_contacted: number;
  /** Distinct ports of its own on which others opened conversations with it (its services, not its replies). */
  ports_accessed: number;
  /** Peers of this window with which it had no flow in the history before the window (up to 100 listed). */
  new_peers: string[];
  new_peer_count: number;
  /** Its behaviour in the conversations it opened: does it look like it is scanning? */
  scan: { destinations: number; ports: number; failed_share: number; scanning: boolean };
}

export interface EndpointActivity {
  ip: string;
  before: Activity;
  after: Activity;
}

export interface SearchRequest {
  index: string;
  body: Record<string, unknown>;
}

export interface WindowAggs extends Bucket {
  bytes: Metric;
  peers: Metric;
  accessed: { ports: Metric };
  contacted: { ports: Metric };
  sent: {
    destinations: Metric;
    top_destination: Terms<Bucket & { ported: { ports: Metric } }>;
    tcp: { doc_count: number; failed: { doc_count: number } };
  };
}
type Keyed<T> = { buckets: Record<string, T> };
type PerEndpoint<T> = SearchResult<unknown, Record<string, T>>;
export type PeerResult = PerEndpoint<{ when: Keyed<{ peer_list: Terms }> }>;
export type WindowResult = PerEndpoint<{ when: Keyed<{ observers: Terms<WindowAggs> }> }>;
/** One endpoint's history. */
export type HistoryResult = SearchResult<unknown, { spans: Keyed<{ seen: Terms }> }>;

/** One alert's endpoints and the spans around it that their activity is judged over. */
export interface ActivityPlan {
  ips: readonly string[];
  time: number;
  windowMs: number;
  historyMs: number;
}

/** Observers told apart per window: a site has a handful. */
const OBSERVERS = 100;
/** Peers listed per window; beyond that only their count is exact. */
const PEER_LIST = 1000;
const NEW_PEERS_SHOWN = 100;
const WHEN = ['before', 'after'] as const;
type When = (typeof WHEN)[number];

function windowAggs(ip: string): Record<string, unknown> {
  const cardinality = (field: string) => ({ cardinality: { field, precision_threshold: 3000 } });
  return {
    bytes: { sum: { field: 'network.bytes' } },
    peers: cardinality('related.ip'),
    accessed: {
      filter: { bool: { filter: [{ term: { 'server.ip': ip } }, PORTED] } },
      aggs: { ports: cardinality('server.port') },
    },
    contacted: {
      filter: { bool: { filter: [{ term: { 'client.ip': ip } }, PORTED] } },
      aggs: { ports: cardinality('server.port') },
    },
    sent: {
      filter: { bool: { filter: [{ term: { 'source.ip': ip } }, NOT_A_REPLY] } },
      aggs: {
        destinations: cardinality('destination.ip'),
        // The destination it sent most flows to, and on how many ports: a port scan's target leads by
        // far. Ranking every destination by its port count instead costs a cardinality per destination.
        top_destination: {
          terms: { field: 'destination.ip', size: 1 },
          aggs: { ported: { filter: PORTED, aggs: { ports: cardinality('destination.port') } } },
        },
        tcp: {
          filter: { term: { 'network.transport': 'tcp' } },
          aggs: { failed: { filter: FAILED_ATTEMPT_QUERY } },
        },
      },
    },
  };
}

function byEndpoint(ips: readonly string[], aggs: (ip: string, i: number) => Record<string, unknown>) {
  return Object.fromEntries(
    ips.map((ip, i) => [`e${i}`, { filter: { term: { 'related.ip': ip } }, aggs: aggs(ip, i) }]),
  );
}

/**
 * Flows of the endpoints whose record time is in [from, to). One term per address rather than one `terms` set:
 * Elasticsearch caches a filter it sees often, and a busy host recurs in many alerts, each time with another
 * peer; the set of the two would be new every time, and each time collect all of the busy host's flows again.
 */
function flowsOf(ips: readonly string[], from: number, to: number): Record<string, unknown> {
  return {
    bool: {
      filter: [
        { bool: { should: ips.map((ip) => ({ term: { 'related.ip': ip } })), minimum_should_match: 1 } },
        { range: { '@timestamp': { gte: iso(from), lt: iso(to) } } },
      ],
    },
  };
}

/** The endpoints' flows of the window before and the window after the alert, `aggs` per endpoint and side. */
function perWindow(flowIndex: string, plan: ActivityPlan, aggs: (ip: string) => Record<string, unknown>) {
  const { time: t, windowMs: w } = plan;
  const ranges = {
    before: { range: { '@timestamp': { gte: iso(t - w), lt: iso(t) } } },
    after: { range: { '@timestamp': { gte: iso(t), lt: iso(t + w) } } },
  };
  return {
    index: flowIndex,
    body: {
      size: 0,
      query: flowsOf(plan.ips, t - w, t + w),
      aggs: byEndpoint(plan.ips, (ip) => ({ when: { filters: { filters: ranges }, aggs: aggs(ip) } })),
    },
  };
}

/**
 * The peers of each window, on their own: the history search needs them, and this small search lets it start
 * without waiting for the window's other figures, which `windowRequest` computes beside it.
 */
export function peerRequest(flowIndex: string, plan: ActivityPlan): SearchRequest {
  return perWindow(flowIndex, plan, () => ({
    peer_list: { terms: { field: 'related.ip', size: PEER_LIST } },
  }));
}

export function windowRequest(flowIndex: string, plan: ActivityPlan): SearchRequest {
  return perWindow(flowIndex, plan, (ip) => ({
    observers: { terms: { field: OBSERVER_FIELD, size: OBSERVERS, missing: '-' }, aggs: windowAggs(ip) },
  }));
}

const NOTHING: WindowAggs = {
  key: '-',
  doc_count: 0,
  bytes: { value: 0 },
  peers: { value: 0 },
  accessed: { ports: { value: 0 } },
  contacted: { ports: { value: 0 } },
  sent: {
    destinations: { value: 0 },
    top_destination: { buckets: [] },
    tcp: { doc_count: 0, failed: { doc_count: 0 } },
  },
};

/** The observer that saw the most of the address's bytes in the window (ties: the one named first). */
function busiest(observers: readonly WindowAggs[]): WindowAggs {
  let best = NOTHING;
  for (const o of observers) {
    const more = (o.bytes.value ?? 0) - (best.bytes.value ?? 0);
    if (best === NOTHING || more > 0 || (more === 0 && String(o.key) < String(best.key))) best = o;
  }
  return best;
}

function peersIn(peers: PeerResult, i: number, when: When, ip: string): string[] {
  return peers.aggregations[`e${i}`].when.buckets[when].peer_list.buckets
    .map((b) => String(b.key))
    .filter((p) => p !== ip);
}

/**
 * The two histories that are judged, before the `before` window ([t-w-h, t-w)) and before the alert itself
 * ([t-h, t)), cut into disjoint spans: one pass over the endpoint's history puts each flow into one span,
 * instead of walking the overlapping two histories once each.
 */
export function historySpans(
  plan: ActivityPlan,
): Array<{ key: string; from: number; to: number; in: When[] }> {
  const { time: t, windowMs: w, historyMs: h } = plan;
  const of: Record<When, [number, number]> = { before: [t - w - h, t - w], after: [t - h, t] };
  const points = [...new Set([t - w - h, t - w, t - h, t])].sort((a, b) => a - b);
  return points.slice(1).map((to, i) => {
    const from = points[i];
    return { key: `s${i}`, from, to, in: WHEN.filter((when) => of[when][0] <= from && to <= of[when][1]) };
  });
}

const DAY_MS = 86_400_000;

/**
 * For each endpoint, which of its windows' peers it already had flows with in the history: one search per
 * endpoint, which Elasticsearch runs side by side. The endpoint's own flows drive the search, the peers only
 * narrow the terms counted (as a query filter, the union of a thousand busy peers' flows would cost more than
 * the endpoint's history itself).
 *
 * The search reaches out to whole UTC days, and the spans alone bound the history: an index that a time range
 * covers entirely is searched without checking each flow's time, and daily indices are all either covered or
 * left out; the history's own bounds would cut the alert's day and have every flow of a busy host checked.
 */
export function historyRequests(flowIndex: string, plan: ActivityPlan, peers: PeerResult): SearchRequest[] {
  const spans = historySpans(plan);
  const from = Math.floor((plan.time - plan.windowMs - plan.historyMs) / DAY_MS) * DAY_MS;
  const to = Math.ceil(plan.time / DAY_MS) * DAY_MS;
  return plan.ips.map((ip, i) => {
    const include = [...new Set(WHEN.flatMap((when) => peersIn(peers, i, when, ip)))];
    return {
      index: flowIndex,
      body: {
        size: 0,
        query: flowsOf([ip], from, to),
        aggs: {
          spans: {
            date_range: {
              field: '@timestamp',
              keyed: true,
              ranges: spans.map((s) => ({ key: s.key, from: iso(s.from), to: iso(s.to) })),
            },
            aggs: { seen: { terms: { field: 'related.ip', size: Math.max(1, include.length), include } } },
          },
        },
      },
    };
  });
}

function toActivity(
  w: WindowAggs,
  windowPeers: string[],
  seen: Set<string>,
  thresholds: ScanThresholds,
): Activity {
  const fresh = windowPeers.filter((p) => !seen.has(p));
  const tcp = w.sent.tcp.doc_count;
  const failedShare = tcp === 0 ? 0 : w.sent.tcp.failed.doc_count / tcp;
  const destinations = w.sent.destinations.value ?? 0;
  const portsOnOne = w.sent.top_destination.buckets[0]?.ported.ports.value ?? 0;
  return {
    observer: String(w.key),
    bytes: w.bytes.value ?? 0,
    flows: w.doc_count,
    // related.ip holds the endpoint itself on every one of its flows.
    peers: Math.max(0, (w.peers.value ?? 0) - (w.doc_count > 0 ? 1 : 0)),
    ports_contacted: w.contacted.ports.value ?? 0,
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

/** What each endpoint did in the window before and the window after the alert, from the three searches. */
export function toActivities(
  plan: ActivityPlan,
  results: { peers: PeerResult; windows: WindowResult; histories: HistoryResult[] },
  thresholds: ScanThresholds,
): EndpointActivity[] {
  const spans = historySpans(plan);
  return plan.ips.map((ip, i) => {
    const activity = {} as Record<When, Activity>;
    for (const when of WHEN) {
      const seen = new Set<string>();
      for (const span of spans.filter((s) => s.in.includes(when)))
        for (const b of results.histories[i].aggregations.spans.buckets[span.key].seen.buckets)
          seen.add(String(b.key));
      activity[when] = toActivity(
        busiest(results.windows.aggregations[`e${i}`].when.buckets[when].observers.buckets),
        peersIn(results.peers, i, when, ip),
        seen,
        thresholds,
      );
    }
    return { ip, before: activity.before, after: activity.after };
  });
}
