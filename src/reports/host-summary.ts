import type { FlowtrailConfig } from '../config/schema.js';
import { endedBetween, indicesOf, type Metric, NoDataError, search } from '../correlate/es.js';
import type { PipelineRecord } from '../pipeline/types.js';
import { ECS_VERSION } from '../schema/ecs.js';
import { documentId } from '../schema/ids.js';
import type { StoreClient } from '../store/client.js';
import { searchPattern } from '../store/naming.js';
import { allBuckets, type CompositeBucket } from './composite.js';
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
  ports_contacted: number;
  ports_accessed: number;
}

type SideBucket = CompositeBucket<{ ip: string; interval: number }> & {
  internal: { bytes: Metric };
  external: { bytes: Metric };
  packets: Metric;
  peers: Metric;
  ports: Metric;
};

/**
 * Per local host and interval: bytes out and in, each split by whether the peer is local, packets, flows,
 * distinct peers and ports each way. Read off the flows by two composite aggregations (the host as sender, the
 * host as receiver), so it scales to any number of hosts.
 */
export async function summarizeHosts(
  client: StoreClient,
  flows: string,
  intervalMs: number,
  range: TimeRange,
): Promise<HostSummary[]> {
  const rows = new Map<string, HostSummary>();
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
      ],
      {
        internal: bytes('internal'),
        external: bytes('external'),
        packets: { sum: { field: 'network.packets' } },
        peers: { cardinality: { field: `${peer}.ip` } },
        ports: { cardinality: { field: 'destination.port' } },
      },
    );
    for (const b of buckets) {
      const key = `${b.key.ip} ${b.key.interval}`;
      const row = rows.get(key) ?? emptyHostSummary(b.key.ip, b.key.interval);
      const internal = b.internal.bytes.value ?? 0;
      const external = b.external.bytes.value ?? 0;
      if (side === 'source') {
        row.bytes_out_internal = internal;
        row.bytes_out_external = external;
        row.packets_out = b.packets.value ?? 0;
        row.flows_out = b.doc_count;
        row.peers_contacted = b.peers.value ?? 0;
        row.ports_contacted = b.ports.value ?? 0;
      } else {
        row.bytes_in_internal = internal;
        row.bytes_in_external = external;
        row.packets_in = b.packets.value ?? 0;
        row.flows_in = b.doc_count;
        row.peers_contacting = b.peers.value ?? 0;
        row.ports_accessed = b.ports.value ?? 0;
      }
      rows.set(key, row);
    }
  }
  return [...rows.values()].sort(
    (a, b) => a.interval_start - b.interval_start || a.ip.localeCompare(b.ip, 'en', { numeric: true }),
  );
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
