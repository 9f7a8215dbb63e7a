/**
 * What `flowtrail pcap` and `GET /api/pcap/...` are asked for, resolved through Elasticsearch to a session: an
 * alert's (the flows correlation matches it to: community ID, else 5-tuple, else for portless alerts the host
 * pair's flows before it), a Community ID's flows, or one flow document. The time range is the flows': a tap's flows
 * carry their first and last packet's times (to the millisecond Elasticsearch keeps), another observer's (NetFlow)
 * are widened by the correlation tolerance, as correlation widens them.
 */
import type { CorrelationSettings } from '../correlate/correlator.js';
import { findAlert } from '../correlate/correlator.js';
import {
  type AlertDoc,
  FLOW_SOURCE_FIELDS,
  type FlowDoc,
  flowEnd,
  flowStart,
} from '../correlate/documents.js';
import { type Hit, search } from '../correlate/es.js';
import { matchPlans } from '../correlate/match.js';
import { UsageError } from '../errors.js';
import type { StoreClient } from '../store/client.js';
import type { SessionEnds } from './session.js';

export const PCAP_KINDS = ['alert', 'community-id', 'flow'] as const;
export type PcapKind = (typeof PCAP_KINDS)[number];

/** Flows of a session read for its time range. */
const MAX_FLOWS = 1000;
/** The module of flows a packet tap metered (codecs/pcap): their times are their packets'. */
const TAP_MODULE = 'pcap';
/** Elasticsearch keeps milliseconds: a packet's time is within one of its flow's stored start and end. */
const TAP_SLACK_MS = 1;
const COMMUNITY_ID = /^1:[A-Za-z0-9+/]+=*$/;

export interface ResolvedSession {
  kind: PcapKind;
  ends: SessionEnds;
  /** How the session was found, for messages: `alert X (matched by community_id)`. */
  found: string;
}

async function flowsOf(
  client: StoreClient,
  index: string,
  query: Record<string, unknown>,
): Promise<FlowDoc[]> {
  const result = await search<FlowDoc>(client, index, {
    size: MAX_FLOWS,
    track_total_hits: false,
    query,
    sort: [{ '@timestamp': 'asc' }],
    _source: FLOW_SOURCE_FIELDS,
  });
  return result.hits.hits.map((h) => h._source);
}

/** The flows' time range; tap flows alone when there are any, since their times are the packets'. */
function rangeOf(flows: FlowDoc[], toleranceMs: number): { fromMs: number; toMs: number } {
  const tapped = flows.filter((f) => f.event?.module === TAP_MODULE);
  const used = tapped.length > 0 ? tapped : flows;
  const slack = tapped.length > 0 ? TAP_SLACK_MS : toleranceMs;
  return {
    fromMs: Math.min(...used.map(flowStart)) - slack,
    toMs: Math.max(...used.map(flowEnd)) + slack,
  };
}

function endsOfFlow(flow: FlowDoc, range: { fromMs: number; toMs: number }): SessionEnds {
  return {
    transport: flow.network?.transport,
    sourceIp: flow.source.ip,
    sourcePort: flow.source.port,
    destinationIp: flow.destination.ip,
    destinationPort: flow.destination.port,
    ...range,
  };
}

async function alertSession(
  client: StoreClient,
  settings: CorrelationSettings,
  id: string,
): Promise<ResolvedSession | undefined> {
  const hit: Hit<AlertDoc> | undefined = await findAlert(client, settings.indices, id);
  if (hit === undefined) return undefined;
  const alert = hit._source;
  const source = alert.source?.ip;
  const destination = alert.destination?.ip;
  if (source === undefined || destination === undefined)
    throw new UsageError(`alert ${id} names no two endpoints, so no one session's packets belong to it`);
  const time = Date.parse(alert['@timestamp']);
  const ends = (fromMs: number, toMs: number): SessionEnds => ({
    transport: alert.network?.transport,
    sourceIp: source,
    sourcePort: alert.source?.port,
    destinationIp: destination,
    destinationPort: alert.destination?.port,
    fromMs,
    toMs,
  });
  for (const plan of matchPlans(alert, settings)) {
    const flows = await flowsOf(client, settings.indices.flows, plan.query);
    if (flows.length === 0) continue;
    const range = rangeOf(flows, settings.toleranceMs);
    return {
      kind: 'alert',
      ends: ends(Math.min(range.fromMs, time), Math.max(range.toMs, time)),
      found: `alert ${id} (its flows matched by ${plan.strategy})`,
    };
  }
  // No flow is stored for it: the packets around the alert's own time are the best there is.
  return {
    kind: 'alert',
    ends: ends(time - settings.toleranceMs, time + settings.toleranceMs),
    found: `alert ${id} (no flow of it is stored: the packets within ${settings.toleranceMs} ms of it)`,
  };
}

/**
 * The session the id names; undefined when Elasticsearch holds no such alert or flow. Without a kind, a Community
 * ID is told by its form, and any other id is an alert's or else a flow's.
 */
export async function resolveSession(
  client: StoreClient,
  settings: CorrelationSettings,
  kind: PcapKind | undefined,
  id: string,
): Promise<ResolvedSession | undefined> {
  if (kind === undefined) {
    if (COMMUNITY_ID.test(id)) return resolveSession(client, settings, 'community-id', id);
    return (await alertSession(client, settings, id)) ?? (await resolveSession(client, settings, 'flow', id));
  }
  if (kind === 'alert') return alertSession(client, settings, id);
  if (kind === 'community-id') {
    if (!COMMUNITY_ID.test(id)) throw new UsageError(`${id}: not a Community ID (1:<base64>)`);
    const flows = await flowsOf(client, settings.indices.flows, { term: { 'network.community_id': id } });
    if (flows.length === 0) return undefined;
    return {
      kind,
      ends: endsOfFlow(flows[0], rangeOf(flows, settings.toleranceMs)),
      found: `community ID ${id} (${flows.length} flow record(s))`,
    };
  }
  const flows = await flowsOf(client, settings.indices.flows, { ids: { values: [id] } });
  if (flows.length === 0) return undefined;
  return { kind, ends: endsOfFlow(flows[0], rangeOf(flows, settings.toleranceMs)), found: `flow ${id}` };
}
