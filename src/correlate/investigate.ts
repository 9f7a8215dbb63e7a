import type { StoreClient } from '../store/client.js';
import { type AlertContext, type CorrelationSettings, correlateAlert, writeContext } from './correlator.js';
import type { AlertDoc, FlowDoc } from './documents.js';
import { type Bucket, endedBetween, type Hit, type Metric, msearch, type Terms } from './es.js';

export interface HistoryBucket {
  time: string;
  flows: number;
  bytes: number;
}

export interface PeerRow {
  ip: string;
  flows: number;
  bytes: number;
  ports: number;
}

/** Everything `flowtrail correlate <alert-id>` and `GET /api/alerts/:id/context` show about one alert. */
export interface Investigation {
  alert: { id: string; index: string } & AlertDoc;
  context: AlertContext;
  flows: Array<{ id: string } & FlowDoc>;
  /** Traffic over time of the alert's destination (victim) and source (attacker), across the window around it. */
  victim_history: HistoryBucket[];
  attacker_history: HistoryBucket[];
  /** Other addresses that exchanged flows with the attacker in the window, the victim left out. */
  attacker_peers: PeerRow[];
  /** Where the victim sent traffic after the alert. */
  victim_contacts_after: PeerRow[];
}

/** Histogram buckets per window: fine enough to see a burst, few enough to print. */
const BUCKETS = 30;
const TOP = 50;
const FLOWS_SHOWN = 100;

type HistAggs = { over_time: Terms<Bucket & { bytes: Metric }> };
type PeerAggs = { peers: Terms<Bucket & { bytes: Metric; ports: Metric }> };

function historyBody(ip: string, from: number, to: number): Record<string, unknown> {
  const interval = Math.max(1000, Math.ceil((to - from) / BUCKETS / 1000) * 1000);
  return {
    size: 0,
    query: { bool: { filter: [{ term: { 'related.ip': ip } }, endedBetween(from, to)] } },
    aggs: {
      over_time: {
        date_histogram: {
          field: '@timestamp',
          fixed_interval: `${interval}ms`,
          min_doc_count: 0,
          extended_bounds: { min: from, max: to - 1 },
        },
        aggs: { bytes: { sum: { field: 'network.bytes' } } },
      },
    },
  };
}

function peersBody(
  filter: Record<string, unknown>[],
  field: string,
  exclude: string[],
  portField: string,
): Record<string, unknown> {
  return {
    size: 0,
    query: { bool: { filter } },
    aggs: {
      peers: {
        terms: { field, size: TOP, order: { bytes: 'desc' }, exclude },
        aggs: {
          bytes: { sum: { field: 'network.bytes' } },
          ports: { cardinality: { field: portField } },
        },
      },
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

function peers(result: { aggregations: PeerAggs }): PeerRow[] {
  return result.aggregations.peers.buckets.map((b) => ({
    ip: String(b.key),
    flows: b.doc_count,
    bytes: b.bytes.value ?? 0,
    ports: b.ports.value ?? 0,
  }));
}

/**
 * Correlates the alert and gathers the wider picture around it; the context is written back onto the alert
 * meanwhile.
 */
export async function investigate(
  client: StoreClient,
  alert: Hit<AlertDoc>,
  settings: CorrelationSettings,
): Promise<Investigation> {
  const { context, flows } = await correlateAlert(client, alert._source, settings);
  const time = Date.parse(alert._source['@timestamp']);
  const from = time - settings.windowMs;
  const to = time + settings.windowMs;
  const attacker = alert._source.source?.ip;
  const victim = alert._source.destination?.ip;
  const index = settings.indices.flows;
  const requests: Array<{ index: string; body: Record<string, unknown> }> = [];
  if (victim) requests.push({ index, body: historyBody(victim, from, to) });
  if (attacker) requests.push({ index, body: historyBody(attacker, from, to) });
  if (attacker) {
    requests.push({
      index,
      body: peersBody(
        [{ term: { 'related.ip': attacker } }, endedBetween(from, to)],
        'related.ip',
        [attacker, ...(victim ? [victim] : [])],
        'destination.port',
      ),
    });
  }
  if (victim) {
    requests.push({
      index,
      body: peersBody(
        [{ term: { 'source.ip': victim } }, endedBetween(time, to)],
        'destination.ip',
        [],
        'destination.port',
      ),
    });
  }
  const [results] = await Promise.all([
    msearch<unknown, HistAggs & PeerAggs>(client, requests),
    writeContext(client, alert, context),
  ]);
  let next = 0;
  const take = () => results[next++];
  const victimHistory = victim ? histogram(take()) : [];
  const attackerHistory = attacker ? histogram(take()) : [];
  const attackerPeers = attacker ? peers(take()) : [];
  const victimContacts = victim ? peers(take()) : [];
  return {
    alert: { id: alert._id, index: alert._index, ...alert._source },
    context,
    flows: flows.slice(0, FLOWS_SHOWN).map((f) => ({ id: f._id, ...f._source })),
    victim_history: victimHistory,
    attacker_history: attackerHistory,
    attacker_peers: attackerPeers,
    victim_contacts_after: victimContacts,
  };
}
