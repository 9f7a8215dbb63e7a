import { FLOW_SOURCE_FIELDS, type FlowDoc, observerOf } from '../correlate/documents.js';
import { endedBetween, type Hit, search } from '../correlate/es.js';
import { observerIs } from '../correlate/flow-queries.js';
import type { StoreClient } from '../store/client.js';
import { isoRange, type TimeRange } from './time.js';

export interface FlowFilter {
  range: TimeRange;
  /** An address or a CIDR, on either side. */
  ip?: string;
  /** Port on the side inside the local networks, and on the side outside them. */
  localPort?: number;
  remotePort?: number;
  /** `network.transport` as flow records write it: tcp, udp, icmp, ipv6-icmp… */
  protocol?: string;
  minBytes?: number;
  maxBytes?: number;
  /** Only conversations this address (or network) opened: it is the flow's client (ECS `client.ip`). */
  firstTalker?: string;
  /** Only the records of this observer (`flowtrail.observer`). */
  observer?: string;
  limit: number;
}

export interface FlowRow {
  id: string;
  time: string;
  start?: string;
  transport?: string;
  source: string;
  source_port?: number;
  destination: string;
  destination_port?: number;
  /** ICMP's type and code, which flow records carry in the ports' places. */
  icmp_type?: number;
  icmp_code?: number;
  bytes: number;
  packets: number;
  module?: string;
  observer: string;
}

/** What `flowtrail search` and `/api/flows` answer: the flows, and whether the limit cut them short. */
export interface FlowSearch {
  from: string;
  to: string;
  limit: number;
  /** Flows that match: exact up to 10,000, at least that many beyond (`total_is_lower_bound`). */
  total: number;
  total_is_lower_bound: boolean;
  /** More flows match than `flows` holds. */
  truncated: boolean;
  flows: FlowRow[];
}

export const MAX_LIMIT = 10_000;

function sidePort(locality: 'internal' | 'external', port: number): Record<string, unknown> {
  return {
    bool: {
      should: (['source', 'destination'] as const).map((side) => ({
        bool: {
          filter: [{ term: { [`${side}.locality`]: locality } }, { term: { [`${side}.port`]: port } }],
        },
      })),
      minimum_should_match: 1,
    },
  };
}

/** The query `flowtrail search` and `/api/flows` run. */
export function flowQuery(f: FlowFilter): Record<string, unknown> {
  const filter: Record<string, unknown>[] = [endedBetween(f.range.from, f.range.to)];
  if (f.ip) filter.push({ term: { 'related.ip': f.ip } });
  if (f.localPort !== undefined) filter.push(sidePort('internal', f.localPort));
  if (f.remotePort !== undefined) filter.push(sidePort('external', f.remotePort));
  if (f.protocol) filter.push({ term: { 'network.transport': f.protocol } });
  if (f.minBytes !== undefined || f.maxBytes !== undefined)
    filter.push({ range: { 'network.bytes': { gte: f.minBytes, lte: f.maxBytes } } });
  if (f.firstTalker) filter.push({ term: { 'client.ip': f.firstTalker } });
  if (f.observer !== undefined) filter.push(observerIs(f.observer));
  return { bool: { filter } };
}

const ICMP = new Set(['icmp', 'ipv6-icmp']);

/** Ports, or for ICMP the type and code that stand in the ports' places. */
function endpoints(
  d: FlowDoc,
): Pick<FlowRow, 'source_port' | 'destination_port' | 'icmp_type' | 'icmp_code'> {
  if (ICMP.has(d.network?.transport ?? ''))
    return { icmp_type: d.source.port, icmp_code: d.destination.port };
  return { source_port: d.source.port, destination_port: d.destination.port };
}

/** A stored flow as search results show it. */
export function flowRow({ _id, _source: d }: Hit<FlowDoc>): FlowRow {
  return {
    id: _id,
    time: d['@timestamp'],
    start: d.event?.start,
    transport: d.network?.transport,
    source: d.source.ip,
    destination: d.destination.ip,
    ...endpoints(d),
    bytes: d.network?.bytes ?? 0,
    packets: d.network?.packets ?? 0,
    module: d.event?.module,
    observer: observerOf(d),
  };
}

/** The columns of search results, in the order CSV writes them. */
export const FLOW_COLUMNS: ReadonlyArray<keyof FlowRow> = [
  'time',
  'start',
  'transport',
  'source',
  'source_port',
  'destination',
  'destination_port',
  'icmp_type',
  'icmp_code',
  'bytes',
  'packets',
  'module',
  'observer',
  'id',
];

export async function searchFlows(client: StoreClient, flows: string, f: FlowFilter): Promise<FlowSearch> {
  const result = await search<FlowDoc>(client, flows, {
    size: Math.min(f.limit, MAX_LIMIT),
    query: flowQuery(f),
    sort: [{ '@timestamp': 'asc' }],
    _source: FLOW_SOURCE_FIELDS,
  });
  const rows = result.hits.hits.map(flowRow);
  const { value, relation } = result.hits.total;
  const lowerBound = relation === 'gte';
  return {
    ...isoRange(f.range),
    limit: f.limit,
    total: value,
    total_is_lower_bound: lowerBound,
    truncated: value > rows.length || (lowerBound && rows.length > 0),
    flows: rows,
  };
}
