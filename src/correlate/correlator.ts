import type { Client } from '@elastic/elasticsearch';
import type { FlowtrailConfig } from '../config/schema.js';
import { type EndpointActivity, endpointActivity, type ScanThresholds } from './activity.js';
import { type AlertDoc, FLOW_SOURCE_FIELDS, type FlowDoc } from './documents.js';
import { type Hit, type Indices, indicesOf, search } from './es.js';
import { type MatchOptions, type MatchStrategy, matchPlans } from './match.js';
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
}

export interface Correlation {
  context: AlertContext;
  flows: Array<Hit<FlowDoc>>;
}

/** Finds the alert's flows with the first plan that finds any. */
export async function matchFlows(
  client: Client,
  alert: AlertDoc,
  settings: CorrelationSettings,
): Promise<{ match: MatchStrategy | 'none'; flows: Array<Hit<FlowDoc>> }> {
  for (const plan of matchPlans(alert, settings)) {
    const result = await search<FlowDoc>(client, settings.indices.flows, {
      size: MAX_FLOWS,
      query: plan.query,
      sort: [{ '@timestamp': 'asc' }],
      _source: FLOW_SOURCE_FIELDS,
    });
    if (result.hits.hits.length > 0) return { match: plan.strategy, flows: result.hits.hits };
  }
  return { match: 'none', flows: [] };
}

export async function correlateAlert(
  client: Client,
  alert: AlertDoc,
  settings: CorrelationSettings,
  now = Date.now(),
): Promise<Correlation> {
  const time = Date.parse(alert['@timestamp']);
  const endpoints = [alert.source?.ip, alert.destination?.ip];
  const present = endpoints.filter((ip): ip is string => ip !== undefined);
  // The flows and the endpoints' surroundings do not depend on each other: both are asked at once.
  const [{ match, flows }, activities] = await Promise.all([
    matchFlows(client, alert, settings),
    endpointActivity(
      client,
      settings.indices.flows,
      present,
      time,
      settings.windowMs,
      settings.historyMs,
      settings.scan,
    ),
  ]);
  const context: AlertContext = {
    correlated_at: new Date(now).toISOString(),
    match,
    ...summarizeSession(flows.map((f) => f._source)),
    flow_ids: flows.slice(0, MAX_FLOW_IDS).map((f) => f._id),
  };
  for (const [i, side] of (['source', 'destination'] as const).entries()) {
    const ip = endpoints[i];
    if (ip !== undefined) context[side] = activities[present.indexOf(ip)];
  }
  return { context, flows };
}

/** Written as a partial update of the alert document, in the index it is in. */
export async function writeContext(
  client: Client,
  alert: Hit<AlertDoc>,
  context: AlertContext,
): Promise<void> {
  await client.update({
    index: alert._index,
    id: alert._id,
    // A concurrent writer (another correlator, an analyst's update) is retried over rather than lost.
    retry_on_conflict: 3,
    body: { doc: { flowtrail: { context } } },
  });
}

/** An alert by its document id, from whichever index of the namespace holds it. */
export async function findAlert(
  client: Client,
  indices: Indices,
  id: string,
): Promise<Hit<AlertDoc> | undefined> {
  const result = await search<AlertDoc>(client, indices.alerts, {
    size: 1,
    query: { ids: { values: [id] } },
  });
  return result.hits.hits[0];
}
