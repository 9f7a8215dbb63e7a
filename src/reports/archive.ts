import { ARCHIVE_FLOWS_FIELD } from '../archive/rollup.js';
import { endedBetween, type Metric, NoDataError, search } from '../correlate/es.js';
import type { StoreClient } from '../store/client.js';
import { searchPattern } from '../store/naming.js';
import type { TimeRange } from './time.js';

/**
 * Where a report's range reaches back past the oldest flow still stored, the archive's rollups of the deleted
 * flows answer for that part: before `until` the archive's documents count, from `until` on the flows.
 */
export interface ArchiveWindow {
  /** Per address, side and hour (top-senders, top-receivers). */
  hosts: string;
  /** Per pair and day (host-pairs). */
  pairs: string;
  until: number;
}

/** Per bucket: the flows a bucket stands for, raw flows counted one each and archive documents by their count. */
export const FLOW_COUNT = {
  raw_flows: { filter: { bool: { must_not: { exists: { field: ARCHIVE_FLOWS_FIELD } } } } },
  archived_flows: { sum: { field: ARCHIVE_FLOWS_FIELD } },
};

export type FlowCounted = { raw_flows: { doc_count: number }; archived_flows: Metric };

export function flowCount(bucket: FlowCounted): number {
  return bucket.raw_flows.doc_count + (bucket.archived_flows.value ?? 0);
}

/** The indices a report reads and the time filter over them: flows alone, or the archive before `until` too. */
export function flowSource(
  flows: string,
  range: TimeRange,
  archive: ArchiveWindow | undefined,
  kind: 'hosts' | 'pairs',
): { index: string; window: Record<string, unknown> } {
  if (!archive) return { index: flows, window: endedBetween(range.from, range.to) };
  const archived = { exists: { field: ARCHIVE_FLOWS_FIELD } };
  return {
    index: `${flows},${archive[kind]}`,
    window: {
      bool: {
        minimum_should_match: 1,
        should: [
          { bool: { filter: [archived, endedBetween(range.from, Math.min(archive.until, range.to))] } },
          {
            bool: {
              filter: [endedBetween(Math.max(archive.until, range.from), range.to)],
              must_not: [archived],
            },
          },
        ],
      },
    },
  };
}

async function oldest(client: StoreClient, index: string): Promise<number | undefined> {
  try {
    const result = await search<unknown, { oldest: Metric }>(client, index, {
      size: 0,
      aggs: { oldest: { min: { field: '@timestamp' } } },
    });
    return result.aggregations.oldest.value ?? undefined;
  } catch (err) {
    if (err instanceof NoDataError) return undefined;
    throw err;
  }
}

/**
 * The archive window of a range, or undefined when the flows cover it: the range starts before the oldest flow
 * stored (or none is left) and the archive holds rollups from before then.
 */
export async function archiveWindow(
  client: StoreClient,
  flows: string,
  namespace: string,
  range: TimeRange,
): Promise<ArchiveWindow | undefined> {
  const until = Math.min((await oldest(client, flows)) ?? range.to, range.to);
  if (until <= range.from) return undefined;
  const hosts = searchPattern('flowtrail.archive_hosts', namespace);
  const pairs = searchPattern('flowtrail.archive_pairs', namespace);
  const first = await oldest(client, `${hosts},${pairs}`);
  if (first === undefined || first >= until) return undefined;
  return { hosts, pairs, until };
}
