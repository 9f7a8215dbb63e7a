import { OBSERVER_FIELD } from '../correlate/flow-queries.js';
import type { PipelineRecord } from '../pipeline/types.js';
import { allBuckets, type CompositeBucket } from '../reports/composite.js';
import { ECS_VERSION } from '../schema/ecs.js';
import { documentId } from '../schema/ids.js';
import type { StoreClient } from '../store/client.js';

export const ARCHIVE_HOSTS_DATASET = 'flowtrail.archive_hosts';
export const ARCHIVE_PAIRS_DATASET = 'flowtrail.archive_pairs';
export const ARCHIVE_FLOWS_FIELD = 'flowtrail.archive.flows';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What each archive document is keyed by besides its time: the address(es), and the splits reports show. */
type Key = {
  time: number;
  transport: string | null;
  direction: string | null;
  observer: string | null;
  source?: string;
  destination?: string;
};
type Bucket = CompositeBucket<Key> & { bytes: { value: number | null }; packets: { value: number | null } };

const SPLITS = [
  { transport: { terms: { field: 'network.transport', missing_bucket: true } } },
  { direction: { terms: { field: 'network.direction', missing_bucket: true } } },
  { observer: { terms: { field: OBSERVER_FIELD, missing_bucket: true } } },
];
const SUMS = { bytes: { sum: { field: 'network.bytes' } }, packets: { sum: { field: 'network.packets' } } };

function time(intervalMs: number) {
  return { time: { date_histogram: { field: '@timestamp', fixed_interval: `${intervalMs / 1000}s` } } };
}

/**
 * One archive document: shaped like a flow (the addresses it is about, network.*, the observer) so that reports
 * read it with the queries they run on flows, standing for `flowtrail.archive.flows` flows of its interval.
 */
function archiveRecord(
  dataset: string,
  index: string,
  intervalMs: number,
  b: Bucket,
  now: number,
): PipelineRecord {
  const { time: start, transport, direction, observer, source, destination } = b.key;
  return {
    dataset,
    // Per source index: a host's hour may lie in two backing indices, each rolled up when it is deleted.
    id: documentId(dataset, index, start, source, destination, transport, direction, observer),
    doc: {
      '@timestamp': new Date(start).toISOString(),
      event: { kind: 'metric', dataset, module: 'flowtrail', created: new Date(now).toISOString() },
      ecs: { version: ECS_VERSION },
      ...(source === undefined ? {} : { source: { ip: source } }),
      ...(destination === undefined ? {} : { destination: { ip: destination } }),
      network: {
        bytes: b.bytes.value ?? 0,
        packets: b.packets.value ?? 0,
        ...(transport === null ? {} : { transport }),
        ...(direction === null ? {} : { direction }),
      },
      flowtrail: {
        ...(observer === null ? {} : { observer }),
        archive: {
          flows: b.doc_count,
          interval: intervalMs === HOUR_MS ? '1h' : '1d',
          interval_end: new Date(start + intervalMs).toISOString(),
          source_index: index,
        },
      },
    },
  };
}

/**
 * The rollups of one flow index about to be deleted: per address and hour as sender and as receiver
 * (`flowtrail.archive_hosts`, a document has either source.ip or destination.ip), and per pair and day
 * (`flowtrail.archive_pairs`); each split by transport, direction and observer, with bytes, packets and the
 * number of flows. Deterministic ids make a rollup repeated after a failed deletion a no-op.
 */
export async function archiveRollups(
  client: StoreClient,
  index: string,
  now: number,
): Promise<PipelineRecord[]> {
  const all = { match_all: {} };
  const records: PipelineRecord[] = [];
  for (const side of ['source', 'destination'] as const) {
    const buckets = await allBuckets<Key, Bucket>(
      client,
      index,
      { exists: { field: `${side}.ip` } },
      [{ [side]: { terms: { field: `${side}.ip` } } }, time(HOUR_MS), ...SPLITS],
      SUMS,
    );
    for (const b of buckets) records.push(archiveRecord(ARCHIVE_HOSTS_DATASET, index, HOUR_MS, b, now));
  }
  const pairs = await allBuckets<Key, Bucket>(
    client,
    index,
    all,
    [
      { source: { terms: { field: 'source.ip' } } },
      { destination: { terms: { field: 'destination.ip' } } },
      time(DAY_MS),
      ...SPLITS,
    ],
    SUMS,
  );
  for (const b of pairs) records.push(archiveRecord(ARCHIVE_PAIRS_DATASET, index, DAY_MS, b, now));
  return records;
}
