import { endedBetween, type Hit, search } from '../correlate/es.js';
import type { StoreClient } from '../store/client.js';
import { isoRange, type TimeRange } from './time.js';

export interface AlertFilter {
  range: TimeRange;
  /** Only alerts naming this address at either end. */
  ip?: string;
  limit: number;
}

/** One alert as lists show it: who, what, and whether correlation found its flows. */
export interface AlertRow {
  id: string;
  time: string;
  /** The tool that raised it: snort, suricata, zeek, or flowtrail for flowtrail's own detections. */
  module: string | null;
  severity: string | null;
  /** The rule's message (Snort's msg, Suricata's signature, a detection's title). */
  message: string | null;
  /** flowtrail's detections: scan, volume or policy; null for the IDS's alerts. */
  detection: string | null;
  transport: string | null;
  source: string | null;
  source_port: number | null;
  destination: string | null;
  destination_port: number | null;
  /** How correlation matched its flows (community_id, five_tuple, host_pair, none); null before it ran. */
  match: string | null;
  flow_count: number | null;
}

export interface AlertList {
  from: string;
  to: string;
  limit: number;
  total: number;
  alerts: AlertRow[];
}

export interface ListedAlert {
  '@timestamp': string;
  message?: string;
  event?: { module?: string };
  rule?: { name?: string };
  network?: { transport?: string };
  source?: { ip?: string; port?: number };
  destination?: { ip?: string; port?: number };
  flowtrail?: {
    severity?: string;
    detection?: { type?: string };
    context?: { match?: string; flow_count?: number };
  };
}

export const ALERT_FIELDS = [
  '@timestamp',
  'message',
  'event.module',
  'rule.name',
  'network.transport',
  'source.ip',
  'source.port',
  'destination.ip',
  'destination.port',
  'flowtrail.severity',
  'flowtrail.detection.type',
  'flowtrail.context.match',
  'flowtrail.context.flow_count',
];

export const MAX_ALERTS = 1000;

/** The newest alerts of the range (IDS alerts and flowtrail's detections alike), newest first. */
export async function listAlerts(client: StoreClient, alerts: string, f: AlertFilter): Promise<AlertList> {
  const filter: Record<string, unknown>[] = [endedBetween(f.range.from, f.range.to)];
  if (f.ip !== undefined) filter.push({ term: { 'related.ip': f.ip } });
  const result = await search<ListedAlert>(client, alerts, {
    size: Math.min(f.limit, MAX_ALERTS),
    track_total_hits: true,
    query: { bool: { filter } },
    sort: [{ '@timestamp': 'desc' }],
    _source: ALERT_FIELDS,
  });
  return {
    ...isoRange(f.range),
    limit: f.limit,
    total: result.hits.total.value,
    alerts: result.hits.hits.map(alertRow),
  };
}

/** A stored alert as lists show it. */
export function alertRow({ _id, _source: a }: Hit<ListedAlert>): AlertRow {
  return {
    id: _id,
    time: a['@timestamp'],
    module: a.event?.module ?? null,
    severity: a.flowtrail?.severity ?? null,
    message: a.message ?? a.rule?.name ?? null,
    detection: a.flowtrail?.detection?.type ?? null,
    transport: a.network?.transport ?? null,
    source: a.source?.ip ?? null,
    source_port: a.source?.port ?? null,
    destination: a.destination?.ip ?? null,
    destination_port: a.destination?.port ?? null,
    match: a.flowtrail?.context?.match ?? null,
    flow_count: a.flowtrail?.context?.flow_count ?? null,
  };
}
