import type { StoreClient } from '../store/client.js';
import type { EndpointActivity } from './activity.js';
import type { CorrelationSettings } from './correlator.js';
import type { AlertDoc } from './documents.js';
import { type Bucket, type Hit, iso, type Metric, search, type Terms } from './es.js';
import { observerIs, PORTED } from './flow-queries.js';
import { gatherMembers, type SessionMembers } from './members.js';

/** One conversation the alert's local host opened after the alert, new for it. */
export interface ScopeSession {
  server: { ip: string; port?: number };
  transport?: string;
  community_id: string;
  start: string;
  end: string;
  /** Flow records of it (as the host's busiest observer saw them) and their bytes. */
  flows: number;
  bytes: number;
  /** A server it had no flow with in the history before the alert; a service (server port) it had not used. */
  new_peer: boolean;
  new_service: boolean;
  members: SessionMembers;
}

/** What the alert's local host did once it was hit: the sessions it opened after the alert that are new for it. */
export interface CompromiseScope {
  host: string;
  from: string;
  to: string;
  observer: string;
  /** It opened conversations like a scanner does (the `after` window's figures of the context). */
  scanning: boolean;
  /** Its new sessions, the earliest first, up to SESSIONS_LISTED with their members. */
  sessions: ScopeSession[];
  session_count: number;
  /** Sessions it opened after the alert, counting the ones with known peers and services. */
  sessions_opened: number;
}

/** Sessions looked at after the alert, and listed with their members. */
const SESSIONS_FETCHED = 1000;
const SESSIONS_LISTED = 20;
const PORTS_BEFORE = 1000;

/** The alert's local end: the victim (destination) if it is ours, else the source. */
export function localHost(alert: AlertDoc): 'source' | 'destination' | undefined {
  if (alert.destination?.ip !== undefined && alert.destination.locality === 'internal') return 'destination';
  if (alert.source?.ip !== undefined && alert.source.locality === 'internal') return 'source';
  return undefined;
}

type SessionBucket = Bucket & {
  first: Metric & { value_as_string?: string };
  last: Metric & { value_as_string?: string };
  bytes: Metric;
  sample: {
    hits: { hits: Array<Hit<{ server?: { ip?: string; port?: number }; network?: { transport?: string } }>> };
  };
};
type ScopeAggs = {
  before: { ports: Terms };
  after: { doc_count: number; sessions: Terms<SessionBucket>; opened: Metric };
};

/**
 * The host's conversations after the alert (it is their client), one per Community ID, and the server ports it
 * used in the history before: one search over the host's own records, as its busiest observer saw them.
 */
function scopeBody(host: string, observer: string, t: number, settings: CorrelationSettings) {
  const before = { range: { '@timestamp': { gte: iso(t - settings.historyMs), lt: iso(t) } } };
  const after = { range: { '@timestamp': { gte: iso(t), lt: iso(t + settings.windowMs) } } };
  return {
    size: 0,
    query: {
      bool: {
        filter: [
          { term: { 'client.ip': host } },
          observerIs(observer),
          { bool: { should: [before, after], minimum_should_match: 1 } },
        ],
      },
    },
    aggs: {
      before: {
        filter: { bool: { filter: [before, PORTED] } },
        aggs: { ports: { terms: { field: 'server.port', size: PORTS_BEFORE } } },
      },
      after: {
        filter: after,
        aggs: {
          sessions: {
            terms: { field: 'network.community_id', size: SESSIONS_FETCHED, order: { first: 'asc' } },
            aggs: {
              first: { min: { field: 'event.start' } },
              last: { max: { field: '@timestamp' } },
              bytes: { sum: { field: 'network.bytes' } },
              sample: {
                top_hits: { size: 1, _source: ['server.ip', 'server.port', 'network.transport'] },
              },
            },
          },
          opened: { cardinality: { field: 'network.community_id', precision_threshold: 3000 } },
        },
      },
    },
  };
}

function time(metric: Metric & { value_as_string?: string }, fallback: number): string {
  return metric.value === null ? iso(fallback) : (metric.value_as_string ?? iso(metric.value));
}

/**
 * The scope of a compromise (IPAudit's question, "what did it do once it was hit"): the sessions the alert's local
 * host opened in the window after the alert with a peer it had not talked to in the history, or on a service it
 * had not used, each with its members. `activity` is the context's figures of that host.
 */
export async function compromiseScope(
  client: StoreClient,
  alert: AlertDoc,
  activity: EndpointActivity,
  settings: CorrelationSettings,
): Promise<CompromiseScope> {
  const t = Date.parse(alert['@timestamp']);
  const host = activity.ip;
  const observer = activity.after.observer;
  const result = await search<unknown, ScopeAggs>(
    client,
    settings.indices.flows,
    scopeBody(host, observer, t, settings),
  );
  const portsBefore = new Set(result.aggregations.before.ports.buckets.map((b) => Number(b.key)));
  // The context lists up to 100 new peers; beyond that, a peer not listed cannot be told new or known here.
  const newPeers = new Set(activity.after.new_peers);
  const sessions = result.aggregations.after.sessions.buckets.flatMap((b) => {
    const sample = b.sample.hits.hits[0]?._source;
    const ip = sample?.server?.ip;
    if (ip === undefined) return [];
    const port = sample?.server?.port;
    const newPeer = newPeers.has(ip);
    const newService = port !== undefined && !portsBefore.has(port);
    if (!newPeer && !newService) return [];
    return [
      {
        server: { ip, ...(port !== undefined ? { port } : {}) },
        ...(sample?.network?.transport !== undefined ? { transport: sample.network.transport } : {}),
        community_id: String(b.key),
        start: time(b.first, t),
        end: time(b.last, t),
        flows: b.doc_count,
        bytes: b.bytes.value ?? 0,
        new_peer: newPeer,
        new_service: newService,
      },
    ];
  });
  const listed = sessions.slice(0, SESSIONS_LISTED);
  const members = await Promise.all(
    listed.map((s) =>
      gatherMembers(
        client,
        settings.indices.members,
        { sessionIds: [], communityIds: [s.community_id], certificates: [] },
        {
          from: Date.parse(s.start),
          to: Date.parse(s.end),
          toleranceMs: settings.toleranceMs,
          windowMs: settings.windowMs,
        },
        [],
      ),
    ),
  );
  return {
    host,
    from: iso(t),
    to: iso(t + settings.windowMs),
    observer,
    scanning: activity.after.scan.scanning,
    sessions: listed.map((s, i) => ({ ...s, members: members[i] })),
    session_count: sessions.length,
    sessions_opened: result.aggregations.after.opened.value ?? 0,
  };
}
