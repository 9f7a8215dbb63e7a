import type { FlowtrailConfig } from '../config/schema.js';
import { endedBetween, indicesOf, type Metric, NoDataError, search } from '../correlate/es.js';
import { PORTED } from '../correlate/flow-queries.js';
import type { PipelineRecord } from '../pipeline/types.js';
import { ECS_VERSION } from '../schema/ecs.js';
import { documentId } from '../schema/ids.js';
import type { StoreClient } from '../store/client.js';
import { searchPattern } from '../store/naming.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import { OBSERVER_SOURCE, observerName, PerObserver } from './observers.js';
import type { TimeRange } from './time.js';

export const HOST_SUMMARY_DATASET = 'flowtrail.host_summary';

/** One local host in one interval. */
export interface HostSummary {
  ip: string;
  interval_start: number;
  bytes_out_internal: number;
  bytes_out_external: number;
  bytes_in_internal: number;
  bytes_in_external: number;
  packets_out: number;
  packets_in: number;
  flows_out: number;
  flows_in: number;
  peers_contacted: number;
  peers_contacting: number;
  /** Distinct server ports of the conversations it opened. */
  ports_contacted: number;
  /** Distinct ports of its own on which others opened conversations with it. */
  ports_accessed: number;
  /** Whose records the figures are. */
  observer?: string;
}

type Ports = { ports: Metric };
type SideBucket = CompositeBucket<{ ip: string; interval: number; observer: string | null }> & {
  internal: { bytes: Metric };
  external: { bytes: Metric };
  packets: Metric;
  peers: Metric;
  /** Records the source opened, and records the destination opened: which end is the server's port. */
  opened_by_source: Ports;
  opened_by_destination: Ports;
};

function serverPorts(initiator: 'source' | 'destination') {
  const server = initiator === 'source' ? 'destination' : 'source';
  return {
    filter: { bool: { filter: [PORTED, { term: { 'flowtrail.initiator': initiator } }] } },
    aggs: { ports: { cardinality: { field: `${server}.port` } } },
  };
}

/**
 * Per local host and interval: bytes out and in, each split by whether the peer is local, packets, flows,
 * distinct peers and ports each way. Read off the flows by two composite aggregations (the host as sender, the
 * host as receiver), so it scales to any number of hosts. Each host's interval is one observer's records: the one
 * that saw the most of its bytes (src/reports/observers.ts), named in `observer`.
 */
export async function summarizeHosts(
  client: StoreClient,
  flows: string,
  intervalMs: number,
  range: TimeRange,
): Promise<HostSummary[]> {
  const rows = new PerObserver<HostSummary>(() => emptyHostSummary('', 0));
  for (const side of ['source', 'destination'] as const) {
    const peer = side === 'source' ? 'destination' : 'source';
    const bytes = (locality: string) => ({
      filter: { term: { 'flow.locality': locality } },
      aggs: { bytes: { sum: { field: 'network.bytes' } } },
    });
    const buckets = await allBuckets<SideBucket['key'], SideBucket>(
      client,
      flows,
      {
        bool: {
          filter: [endedBetween(range.from, range.to), { term: { [`${side}.locality`]: 'internal' } }],
        },
      },
      [
        { ip: { terms: { field: `${side}.ip` } } },
        { interval: { date_histogram: { field: '@timestamp', fixed_interval: `${intervalMs}ms` } } },
        OBSERVER_SOURCE,
      ],
      {
        internal: bytes('internal'),
        external: bytes('external'),
        packets: { sum: { field: 'network.packets' } },
        peers: { cardinality: { field: `${peer}.ip` } },
        opened_by_source: serverPorts('source'),
        opened_by_destination: serverPorts('destination'),
      },
    );
    for (const b of buckets) {
      const row = rows.row(`${b.key.ip} ${b.key.interval}`, observerName(b.key.observer));
      row.ip = b.key.ip;
      row.interval_start = b.key.interval;
      // Both ends' records usually name the same ports (a request and its reply): the larger count, not the sum.
      const asClient = (side === 'source' ? b.opened_by_source : b.opened_by_destination).ports.value ?? 0;
      const asServer = (side === 'source' ? b.opened_by_destination : b.opened_by_source).ports.value ?? 0;
      row.ports_contacted = Math.max(row.ports_contacted, asClient);
      row.ports_accessed = Math.max(row.ports_accessed, asServer);
      const internal = b.internal.bytes.value ?? 0;
      const external = b.external.bytes.value ?? 0;
      if (side === 'source') {
        row.bytes_out_internal = internal;
        row.bytes_out_external = external;
        row.packets_out = b.packets.value ?? 0;
        row.flows_out = b.doc_count;
        row.peers_contacted = b.peers.value ?? 0;
      } else {
        row.bytes_in_internal = internal;
        row.bytes_in_external = external;
        row.packets_in = b.packets.value ?? 0;
        row.flows_in = b.doc_count;
        row.peers_contacting = b.peers.value ?? 0;
      }
    }
  }
  const total = (r: HostSummary) =>
    r.bytes_out_internal + r.bytes_out_external + r.bytes_in_internal + r.bytes_in_external;
  return rows
    .rows(total, false)
    .sort((a, b) => a.interval_start - b.interval_start || a.ip.localeCompare(b.ip, 'en', { numeric: true }));
}

/** A host's summary for an interval with nothing counted yet. */
export function emptyHostSummary(ip: string, intervalStart: number): HostSummary {
  return {
    ip,
    interval_start: intervalStart,
    bytes_out_internal: 0,
    bytes_out_external: 0,
    bytes_in_internal: 0,
    bytes_in_external: 0,
    packets_out: 0,
    packets_in: 0,
    flows_out: 0,
    flows_in: 0,
    peers_contacted: 0,
    peers_contacting: 0,
    ports_contacted: 0,
    ports_accessed: 0,
  };
}

/** The summary as a document of the `flowtrail.host_summary` stream; one id per host and interval. */
export function summaryRecord(s: HostSummary, intervalMs: number, now: number): PipelineRecord {
  const { ip, interval_start, ...values } = s;
  return {
    dataset: HOST_SUMMARY_DATASET,
    id: documentId(HOST_SUMMARY_DATASET, ip, interval_start, intervalMs),
    doc: {
      '@timestamp': new Date(interval_start).toISOString(),
      event: {
        kind: 'metric',
        dataset: HOST_SUMMARY_DATASET,
        module: 'flowtrail',
        created: new Date(now).toISOString(),
      },
      host: { ip },
      ecs: { version: ECS_VERSION },
      flowtrail: {
        host: { locality: 'internal' },
        summary: {
          interval_start: new Date(interval_start).toISOString(),
          interval_end: new Date(interval_start + intervalMs).toISOString(),
          ...values,
        },
      },
    },
  };
}

/**
 * The intervals still to roll up: from the end of the newest stored one (or `lookbackMs` ago) to the last
 * interval that ended at least `settleMs` ago, so that late flows are in before an interval is summarized once.
 */
export async function pendingIntervals(
  client: StoreClient,
  namespace: string,
  intervalMs: number,
  now: number,
  settleMs: number,
  lookbackMs: number,
): Promise<TimeRange | undefined> {
  let newest = 0;
  try {
    const result = await search<unknown, { newest: Metric }>(
      client,
      searchPattern(HOST_SUMMARY_DATASET, namespace),
      {
        size: 0,
        aggs: { newest: { max: { field: 'flowtrail.summary.interval_end' } } },
      },
    );
    newest = result.aggregations.newest.value ?? 0;
  } catch (err) {
    // Nothing rolled up yet: start `lookbackMs` back.
    if (!(err instanceof NoDataError)) throw err;
  }
  const align = (t: number) => Math.floor(t / intervalMs) * intervalMs;
  const from = align(Math.max(newest, now - lookbackMs));
  const to = align(now - settleMs);
  return to > from ? { from, to } : undefined;
}

/**
 * Rolls up every interval that is due and hands the documents to `emit` (the pipeline); returns how many.
 * Deterministic ids make a repeated rollup of the same interval a no-op.
 */
export async function rollUpHostSummaries(
  client: StoreClient,
  config: FlowtrailConfig,
  emit: (records: PipelineRecord[]) => Promise<void>,
  now = Date.now(),
): Promise<number> {
  const { interval, settle, lookback } = config.host_summaries;
  const namespace = config.elasticsearch.namespace;
  const range = await pendingIntervals(client, namespace, interval, now, settle, lookback);
  if (!range) return 0;
  const summaries = await summarizeHosts(client, indicesOf(namespace).flows, interval, range);
  await emit(summaries.map((s) => summaryRecord(s, interval, now)));
  return summaries.length;
}
