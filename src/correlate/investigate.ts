import type { StoreClient } from '../store/client.js';
import { type AlertContext, type CorrelationSettings, correlateAlert, writeContext } from './correlator.js';
import type { AlertDoc, FlowDoc } from './documents.js';
import { type Bucket, endedBetween, type Hit, type Metric, msearch, type Terms } from './es.js';
import { observerIs, observersByBytes } from './flow-queries.js';
import type { SessionMembers } from './members.js';
import { type CompromiseScope, compromiseScope, localHost } from './scope.js';

export interface HistoryBucket {
  time: string;
  flows: number;
  bytes: number;
}

export interface PeerRow {
  ip: string;
  flows: number;
  bytes: number;
  /** Distinct server ports of their conversations. */
  ports: number;
}

/** The other addresses the attacker exchanged flows with in the window, the victim left out. */
export interface AttackerPeers {
  /** Those that sent something back (a host that exists), the busiest first, up to 50. */
  answered: PeerRow[];
  answered_count: number;
  /** Addresses it only sent to, without a word back (mostly addresses where no host lives), up to 20. */
  probed_only: string[];
  probed_only_count: number;
}

/** Everything `flowtrail correlate <alert-id>` and `GET /api/alerts/:id/context` show about one alert. */
export interface Investigation {
  alert: { id: string; index: string } & AlertDoc;
  context: AlertContext;
  flows: Array<{ id: string } & FlowDoc>;
  /** Everything stored of the alert's session, flows included, on one timeline. */
  session: SessionMembers;
  /** What the alert's local host did afterwards: its new sessions, each with its members (none: no local end). */
  scope?: CompromiseScope;
  /**
   * Whose records the histories and peers of each endpoint are: the observer that saw the most of its bytes in the
   * window (several exporters on one link report the same flows; see src/reports/observers.ts).
   */
  observers: { victim?: string; attacker?: string };
  /** Traffic over time of the alert's destination (victim) and source (attacker), across the window around it. */
  victim_history: HistoryBucket[];
  attacker_history: HistoryBucket[];
  attacker_peers: AttackerPeers;
  /** Servers the victim opened conversations with after the alert, the busiest first, up to 50. */
  victim_contacts_after: PeerRow[];
  victim_contacts_after_count: number;
}

/** Histogram buckets per window: fine enough to see a burst, few enough to print. */
const BUCKETS = 30;
const TOP = 50;
const PROBED_LISTED = 20;
/** Peers ranked per search; counts beyond come from cardinalities (exact up to the threshold). */
const PEERS_RANKED = 1000;
const PRECISION = 3000;
const FLOWS_SHOWN = 100;

const BYTES = { sum: { field: 'network.bytes' } };

type ObserverAggs = { observers: Terms<Bucket & { bytes: Metric }> };
type HistAggs = { over_time: Terms<Bucket & { bytes: Metric }> };
type PeerBucket = Bucket & { bytes: Metric; ports: Metric; answers: { doc_count: number } };
type AttackerAggs = {
  peers: Terms<PeerBucket>;
  all: Metric;
  answering: { peers: Metric };
  victim_answered: { doc_count: number };
};
type ContactAggs = { servers: Terms<Bucket & { bytes: Metric; ports: Metric }>; count: Metric };

function observersBody(ip: string, from: number, to: number): Record<string, unknown> {
  return {
    size: 0,
    query: { bool: { filter: [{ term: { 'related.ip': ip } }, endedBetween(from, to)] } },
    aggs: {
      observers: observersByBytes({ bytes: BYTES }),
    },
  };
}

function historyBody(scope: Record<string, unknown>[], from: number, to: number): Record<string, unknown> {
  const interval = Math.max(1000, Math.ceil((to - from) / BUCKETS / 1000) * 1000);
  return {
    size: 0,
    query: { bool: { filter: [...scope, endedBetween(from, to)] } },
    aggs: {
      over_time: {
        date_histogram: {
          field: '@timestamp',
          fixed_interval: `${interval}ms`,
          min_doc_count: 0,
          extended_bounds: { min: from, max: to - 1 },
        },
        aggs: { bytes: BYTES },
      },
    },
  };
}

/**
 * A record that shows the peer answering the attacker: one it sent to the attacker, or a two-way record (Zeek,
 * biflows) with packets back from it.
 */
function answerFrom(attacker: string): Record<string, unknown> {
  return {
    bool: {
      should: [
        { term: { 'destination.ip': attacker } },
        {
          bool: {
            filter: [{ term: { 'source.ip': attacker } }, { range: { 'destination.packets': { gt: 0 } } }],
          },
        },
      ],
      minimum_should_match: 1,
    },
  };
}

function attackerBody(
  scope: Record<string, unknown>[],
  attacker: string,
  victim: string | undefined,
  from: number,
  to: number,
): Record<string, unknown> {
  const answer = answerFrom(attacker);
  return {
    size: 0,
    query: { bool: { filter: [...scope, endedBetween(from, to)] } },
    aggs: {
      // Those that answered first: a sweep's thousands of silent addresses must not push them out of the ranking.
      peers: {
        terms: {
          field: 'related.ip',
          size: PEERS_RANKED,
          exclude: [attacker, ...(victim ? [victim] : [])],
          order: [{ 'answers.doc_count': 'desc' }, { bytes: 'desc' }, { _key: 'asc' }],
        },
        aggs: {
          bytes: BYTES,
          ports: { cardinality: { field: 'server.port' } },
          answers: { filter: answer },
        },
      },
      all: { cardinality: { field: 'related.ip', precision_threshold: PRECISION } },
      answering: {
        filter: answer,
        aggs: { peers: { cardinality: { field: 'related.ip', precision_threshold: PRECISION } } },
      },
      victim_answered: {
        filter: { bool: { filter: [answer, { term: { 'related.ip': victim ?? attacker } }] } },
      },
    },
  };
}

function contactsBody(scope: Record<string, unknown>[], victim: string, from: number, to: number) {
  return {
    size: 0,
    query: { bool: { filter: [...scope, { term: { 'client.ip': victim } }, endedBetween(from, to)] } },
    aggs: {
      servers: {
        terms: { field: 'server.ip', size: TOP, order: [{ bytes: 'desc' }, { _key: 'asc' }] },
        aggs: { bytes: BYTES, ports: { cardinality: { field: 'server.port' } } },
      },
      count: { cardinality: { field: 'server.ip', precision_threshold: PRECISION } },
    },
  };
}

function histogram(result: { aggregations: HistAggs }): HistoryBucket[] {
  return result.aggregations.over_time.buckets.map((b) => ({
    time: b.key_as_string ?? new Date(Number(b.key)).toISOString(),
    flows: b.doc_count,
    bytes: b.bytes.value ?? 0,
  }));
}

function peerRow(b: Bucket & { bytes: Metric; ports: Metric }): PeerRow {
  return { ip: String(b.key), flows: b.doc_count, bytes: b.bytes.value ?? 0, ports: b.ports.value ?? 0 };
}

function attackerPeers(a: AttackerAggs, victim: string | undefined): AttackerPeers {
  const answered = a.peers.buckets.filter((b) => b.answers.doc_count > 0);
  const probed = a.peers.buckets.filter((b) => b.answers.doc_count === 0);
  // The counts hold the attacker itself (related.ip is on every one of its flows), and the victim if there.
  const others = (count: number, victimIn: boolean) => Math.max(0, count - 1 - (victimIn ? 1 : 0));
  const answeredCount = Math.max(
    answered.length,
    others(a.answering.peers.value ?? 0, victim !== undefined && a.victim_answered.doc_count > 0),
  );
  const all = others(a.all.value ?? 0, victim !== undefined);
  return {
    answered: answered.slice(0, TOP).map(peerRow),
    answered_count: answeredCount,
    probed_only: probed.slice(0, PROBED_LISTED).map((b) => String(b.key)),
    probed_only_count: Math.max(probed.length, all - answeredCount),
  };
}

/**
 * Correlates the alert and gathers the wider picture around it; the context is written back onto the alert
 * meanwhile. Each endpoint's surroundings are one observer's records (the one that saw the most of it).
 */
export async function investigate(
  client: StoreClient,
  alert: Hit<AlertDoc>,
  settings: CorrelationSettings,
): Promise<Investigation> {
  const correlation = correlateAlert(client, alert._source, settings);
  const time = Date.parse(alert._source['@timestamp']);
  const from = time - settings.windowMs;
  const to = time + settings.windowMs;
  const attacker = alert._source.source?.ip;
  const victim = alert._source.destination?.ip;
  const index = settings.indices.flows;
  const endpoints = [victim, attacker].filter((ip): ip is string => ip !== undefined);
  const seen = await msearch<unknown, ObserverAggs>(
    client,
    endpoints.map((ip) => ({ index, body: observersBody(ip, from, to) })),
  );
  const observerOf = new Map(
    endpoints.map((ip, i) => [ip, String(seen[i].aggregations.observers.buckets[0]?.key ?? '-')]),
  );
  const scope = (ip: string) => [{ term: { 'related.ip': ip } }, observerIs(observerOf.get(ip) ?? '-')];
  const requests: Array<{ index: string; body: Record<string, unknown> }> = [];
  if (victim) requests.push({ index, body: historyBody(scope(victim), from, to) });
  if (attacker) requests.push({ index, body: historyBody(scope(attacker), from, to) });
  if (attacker) requests.push({ index, body: attackerBody(scope(attacker), attacker, victim, from, to) });
  if (victim) requests.push({ index, body: contactsBody(scope(victim), victim, time, to) });
  const results = await msearch<unknown, unknown>(client, requests);
  const { context, flows, session } = await correlation;
  const local = localHost(alert._source);
  const activity = local === undefined ? undefined : context[local];
  const [compromise] = await Promise.all([
    activity === undefined ? undefined : compromiseScope(client, alert._source, activity, settings),
    writeContext(client, alert, context),
  ]);
  let next = 0;
  const take = <A>() => results[next++] as unknown as { aggregations: A };
  const victimHistory = victim ? histogram(take<HistAggs>()) : [];
  const attackerHistory = attacker ? histogram(take<HistAggs>()) : [];
  const peers = attacker
    ? attackerPeers(take<AttackerAggs>().aggregations, victim)
    : { answered: [], answered_count: 0, probed_only: [], probed_only_count: 0 };
  const contacts = victim ? take<ContactAggs>().aggregations : undefined;
  return {
    alert: { id: alert._id, index: alert._index, ...alert._source },
    context,
    flows: flows.slice(0, FLOWS_SHOWN).map((f) => ({ id: f._id, ...f._source })),
    session,
    ...(compromise !== undefined ? { scope: compromise } : {}),
    observers: {
      ...(victim ? { victim: observerOf.get(victim) } : {}),
      ...(attacker ? { attacker: observerOf.get(attacker) } : {}),
    },
    victim_history: victimHistory,
    attacker_history: attackerHistory,
    attacker_peers: peers,
    victim_contacts_after: contacts?.servers.buckets.map(peerRow) ?? [],
    victim_contacts_after_count: contacts?.count.value ?? 0,
  };
}
