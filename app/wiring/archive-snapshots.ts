import type { EsClient } from '../../plugins/elasticsearch/client.js';
import type { IndexAge } from '../../plugins/elasticsearch/retention.js';
import {
  createSnapshot,
  ensureRepository,
  listSnapshots,
  restoreSnapshot,
} from '../../plugins/elasticsearch/snapshots.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { UsageError } from '../../src/errors.js';
import type { StoreClient } from '../../src/store/client.js';

const DAY_MS = 86_400_000;
/** Restored archived indices are named `restored-<index>` (without a backing index's leading dot). */
export const RESTORED_PREFIX = 'restored-';

function prefixOf(namespace: string): string {
  return `flowtrail-archive-${namespace}-`;
}

function restoredName(index: string): string {
  return `${RESTORED_PREFIX}${index.replace(/^\./, '')}`;
}

type Span = { first_ms: number | null; last_ms: number | null };

/** The index's first and last event times, kept in the snapshot's metadata to find it by day. */
async function eventSpan(store: StoreClient, index: string): Promise<Span> {
  const body = (await store.search(index, {
    size: 0,
    aggs: { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } },
  })) as { aggregations?: { first: { value: number | null }; last: { value: number | null } } };
  return { first_ms: body.aggregations?.first.value ?? null, last_ms: body.aggregations?.last.value ?? null };
}

/**
 * With `archive.snapshot_before_delete`: one snapshot per expired flow index, taken before retention deletes it,
 * in `backup.repository`, named after the index and holding its event times.
 */
export async function snapshotBeforeDelete(
  config: FlowtrailConfig,
  client: EsClient,
  store: StoreClient,
  expired: readonly IndexAge[],
): Promise<void> {
  const { repository, location } = config.backup;
  await ensureRepository(client, repository, location);
  for (const { index, stream } of expired) {
    const namespace = stream.slice('logs-flowtrail.flows-'.length);
    await createSnapshot(
      client,
      repository,
      `${prefixOf(namespace)}${index.replace(/^\./, '').toLowerCase()}`,
      [index],
      { flowtrail: { archived_index: index, ...(await eventSpan(store, index)) } },
    );
  }
}

/**
 * `flowtrail archive restore --day D`: restores every archived flow index of the namespace with events on day D
 * (UTC) as `restored-<name>`, a plain index searchable beside the stored data; returns their names.
 */
export async function restoreArchivedDay(
  client: EsClient,
  config: FlowtrailConfig,
  day: string,
): Promise<string[]> {
  const start = Date.parse(`${day}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(start))
    throw new UsageError('--day: expected YYYY-MM-DD');
  const { repository, location } = config.backup;
  await ensureRepository(client, repository, location);
  const snapshots = await listSnapshots(client, repository, prefixOf(config.elasticsearch.namespace));
  const onDay = snapshots.filter((s) => {
    const span = s.metadata.flowtrail as Partial<Span> | undefined;
    const first = span?.first_ms;
    const last = span?.last_ms;
    return typeof first === 'number' && typeof last === 'number' && first < start + DAY_MS && last >= start;
  });
  if (onDay.length === 0) throw new UsageError(`no archived flows of ${day} in repository ${repository}`);
  const names = new Set<string>();
  for (const snapshot of onDay) {
    const archived = (snapshot.metadata.flowtrail as { archived_index?: string }).archived_index;
    await restoreSnapshot(client, repository, snapshot.name, {
      indices: true,
      only: (index) => index === archived,
      renameTo: restoredName,
    });
    if (archived) names.add(restoredName(archived));
  }
  return [...names].sort();
}
