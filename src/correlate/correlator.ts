import type { FlowtrailConfig } from '../config/schema.js';
import type { StoreClient } from '../store/client.js';
import {
  type ActivityPlan,
  type EndpointActivity,
  type HistoryResult,
  historyRequests,
  type PeerResult,
  peerRequest,
  type ScanThresholds,
  type SearchRequest,
  toActivities,
  type WindowResult,
  windowRequest,
} from './activity.js';
import { type AlertDoc, FLOW_SOURCE_FIELDS, type FlowDoc, flowEnd, flowStart } from './documents.js';
import {
  type Bucket,
  type Hit,
  type Indices,
  indicesOf,
  type Metric,
  msearch,
  type SearchResult,
  search,
  type Terms,
} from './es.js';
import { observersByBytes } from './flow-queries.js';
import { type MatchOptions, type MatchPlan, type MatchStrategy, matchPlans } from './match.js';
import { gatherMembers, type SessionMembers, sessionKeys, withFlowCount } from './members.js';
import { type SessionSummary, summarizeSession } from './session.js';

/** Flow records fetched per alert; a session (or a scan pair) with more is summarized from these. */
const MAX_FLOWS = 1000;
/** Flow document ids kept on the alert. */
const MAX_FLOW_IDS = 50;

export interface CorrelationSettings extends MatchOptions {
  indices: Indices;
  windowMs: number;
  historyMs: number;
  scan: ScanThresholds;
}

export function correlationSettings(config: FlowtrailConfig): CorrelationSettings {
  const c = config.correlation;
  const s = config.detections.scan;
  return {
    indices: indicesOf(config.elasticsearch.namespace),
    toleranceMs: c.tolerance,
    scanLookbackMs: c.scan_lookback,
    windowMs: c.window,
    historyMs: c.history,
    scan: { minPorts: s.min_ports, minDestinations: s.min_destinations, minFailedShare: s.min_failed_share },
  };
}

/** What is written back onto the alert as `flowtrail.context`. */
export interface AlertContext extends SessionSummary {
  correlated_at: string;
  match: MatchStrategy | 'none';
  flow_ids: string[];
  source?: EndpointActivity;
  destination?: EndpointActivity;
  /** What else the session holds, counted: its logs, events and every tool's alerts (see `Correlation.session`). */
  members?: MemberCounts;
}

export interface MemberCounts {
  count: number;
  datasets: string[];
  /** The tools whose alerts are on the session (`snort`, `suricata`, `zeek`…). */
  alert_modules: string[];
  alert_count: number;
}

export interface Correlation {
  context: AlertContext;
  flows: Array<Hit<FlowDoc>>;
  session: SessionMembers;
}

/** Strategies whose flows are one session: their keys are the session's too. */
const ONE_SESSION: ReadonlySet<string> = new Set(['community_id', 'five_tuple']);

/** The session's members beside its flows, and their counts for the alert's context. */
async function sessionOf(
  client: StoreClient,
  alert: AlertDoc,
  flows: Array<Hit<FlowDoc>>,
  strategy: string,
  settings: CorrelationSettings,
): Promise<SessionMembers> {
  const oneSession = ONE_SESSION.has(strategy);
  const time = Date.parse(alert['@timestamp']);
  const sessionFlows = oneSession ? flows : [];
  const from = Math.min(time, ...sessionFlows.map((f) => flowStart(f._source)));
  const to = Math.max(time, ...sessionFlows.map((f) => flowEnd(f._source)));
  return gatherMembers(
    client,
    settings.indices.members,
    sessionKeys(
      alert,
      sessionFlows.map((f) => f._source),
      oneSession,
    ),
    { from, to, toleranceMs: settings.toleranceMs, windowMs: settings.windowMs },
    flows.map((f) => ({ id: f._id, doc: f._source })),
  );
}

function memberCounts(session: SessionMembers): MemberCounts {
  return {
    count: session.member_count,
    datasets: session.datasets.map((d) => d.dataset),
    alert_modules: [...new Set(session.alerts.map((a) => a.module))].sort(),
    alert_count: session.alerts.length,
  };
}

function matchRequest(index: string, plan: MatchPlan): SearchRequest {
  return {
    index,
    body: {
      size: MAX_FLOWS,
      // The hits are the answer; their total is never read.
      track_total_hits: false,
      query: plan.query,
      sort: [{ '@timestamp': 'asc' }],
      _source: FLOW_SOURCE_FIELDS,
    },
  };
}

type FlowResult = SearchResult<FlowDoc, unknown>;

type TotalsAggs = {
  observers: Terms<Bucket & { bytes: Metric; packets: Metric }>;
  last: { hits: { hits: Array<Hit<FlowDoc>> } };
};

/**
 * A match with more flows than are fetched (a scan's thousands of probes) is counted by the store instead: how
 * many records each observer has, and the bytes and packets of the busiest one.
 */
async function countedByStore(
  client: StoreClient,
  index: string,
  plan: MatchPlan,
  summary: SessionSummary,
): Promise<SessionSummary> {
  const result = await search<unknown, TotalsAggs>(client, index, {
    size: 0,
    track_total_hits: true,
    query: plan.query,
    aggs: {
      observers: observersByBytes({
        bytes: { sum: { field: 'network.bytes' } },
        packets: { sum: { field: 'network.packets' } },
      }),
      last: { top_hits: { size: 1, sort: [{ '@timestamp': 'desc' }], _source: FLOW_SOURCE_FIELDS } },
    },
  });
  const observers = result.aggregations.observers.buckets;
  const last = result.aggregations.last.hits.hits[0]?._source;
  const busiest = observers[0];
  return {
    ...summary,
    flow_count: result.hits.total.value,
    observers: observers.map((o) => String(o.key)).sort(),
    ...(busiest ? { observer: String(busiest.key) } : {}),
    observer_flow_count: busiest?.doc_count ?? 0,
    bytes: busiest?.bytes.value ?? 0,
    packets: busiest?.packets.value ?? 0,
    ...(last ? { end: new Date(flowEnd(last)).toISOString(), last_talker: last.source.ip } : {}),
  };
}

/**
 * The alert's flows and its endpoints' surroundings. The windows' figures need nothing else and are asked for
 * at once; beside them, two rounds of searches, each one multi-search whose searches Elasticsearch runs side by
 * side: first the most precise match plan and the windows' peers, then each endpoint's history (which needs the
 * peers) and, only if the first plan found nothing, the other plans (the first of them that finds flows wins, as
 * if they had been tried in turn).
 */
export async function correlateAlert(
  client: StoreClient,
  alert: AlertDoc,
  settings: CorrelationSettings,
  now = Date.now(),
): Promise<Correlation> {
  const index = settings.indices.flows;
  const endpoints = [alert.source?.ip, alert.destination?.ip];
  const plan: ActivityPlan = {
    ips: endpoints.filter((ip): ip is string => ip !== undefined),
    time: Date.parse(alert['@timestamp']),
    windowMs: settings.windowMs,
    historyMs: settings.historyMs,
  };
  const withEndpoints = plan.ips.length > 0;
  const [firstPlan, ...otherPlans] = matchPlans(alert, settings);
  const windows = withEndpoints
    ? msearch<unknown, unknown>(client, [windowRequest(index, plan)])
    : Promise.resolve([]);
  // The windows are only read after both rounds; until then a failure of theirs must not count as unhandled.
  const [first] = await Promise.all([
    msearch<unknown, unknown>(client, [
      ...(withEndpoints ? [peerRequest(index, plan)] : []),
      ...(firstPlan ? [matchRequest(index, firstPlan)] : []),
    ]),
    windows.catch(() => undefined),
  ]);
  const peers = withEndpoints ? (first[0] as PeerResult) : undefined;
  const firstMatch = firstPlan ? (first[first.length - 1] as FlowResult) : undefined;
  const fallback = firstMatch?.hits.hits.length === 0 ? otherPlans : [];
  // The first plan's flows are the session's when it found any: its members are gathered beside the second round.
  const early =
    firstPlan !== undefined && fallback.length === 0
      ? sessionOf(client, alert, firstMatch?.hits.hits ?? [], firstPlan.strategy, settings)
      : undefined;
  early?.catch(() => undefined);
  const histories = peers ? historyRequests(index, plan, peers) : [];
  const second = await msearch<unknown, unknown>(client, [
    ...histories,
    ...fallback.map((p) => matchRequest(index, p)),
  ]);
  const tried = [firstMatch, ...(second.slice(histories.length) as FlowResult[])];
  const hit = tried.findIndex((r) => r !== undefined && r.hits.hits.length > 0);
  const flows = tried[hit]?.hits.hits ?? [];
  const activities: EndpointActivity[] = peers
    ? toActivities(
        plan,
        {
          peers,
          windows: (await windows)[0] as WindowResult,
          histories: second.slice(0, histories.length) as HistoryResult[],
        },
        settings.scan,
      )
    : [];
  const matched = hit < 0 ? undefined : [firstPlan, ...otherPlans][hit];
  const fetched = summarizeSession(flows.map((f) => f._source));
  const context: AlertContext = {
    correlated_at: new Date(now).toISOString(),
    match: matched?.strategy ?? 'none',
    ...(matched !== undefined && flows.length >= MAX_FLOWS
      ? await countedByStore(client, index, matched, fetched)
      : fetched),
    flow_ids: flows.slice(0, MAX_FLOW_IDS).map((f) => f._id),
  };
  for (const [i, side] of (['source', 'destination'] as const).entries()) {
    const ip = endpoints[i];
    if (ip !== undefined) context[side] = activities[plan.ips.indexOf(ip)];
  }
  const session = withFlowCount(
    await (early ?? sessionOf(client, alert, flows, context.match, settings)),
    context.flow_count,
  );
  context.members = memberCounts(session);
  return { context, flows, session };
}

/** Written as a partial update of the alert document, in the index it is in. */
export async function writeContext(
  client: StoreClient,
  alert: Hit<AlertDoc>,
  context: AlertContext,
): Promise<void> {
  await client.update(alert._index, alert._id, { flowtrail: { context } });
}

/** An alert by its document id, from whichever index of the namespace holds it. */
export async function findAlert(
  client: StoreClient,
  indices: Indices,
  id: string,
): Promise<Hit<AlertDoc> | undefined> {
  const result = await search<AlertDoc>(client, indices.alerts, {
    size: 1,
    query: { ids: { values: [id] } },
  });
  return result.hits.hits[0];
}
