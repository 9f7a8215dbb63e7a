import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../src/errors.js';
import { type EsClient, EsError } from './client.js';

/**
 * The snapshot API of Elasticsearch and OpenSearch, as flowtrail drives it: a repository it registers (a
 * filesystem one below the nodes' `path.repo`) or one the user registered (S3, GCS, Azure, a shared filesystem),
 * snapshots that are incremental by nature (a segment already in the repository is not copied again), restores
 * and deletions. The data never passes through flowtrail.
 */

export interface SnapshotInfo {
  name: string;
  state: string;
  startMs: number;
  endMs?: number;
  indices: string[];
  metadata: Record<string, unknown>;
}

interface RawSnapshot {
  snapshot: string;
  state: string;
  start_time_in_millis: number;
  end_time_in_millis?: number;
  indices?: string[];
  data_streams?: string[];
  metadata?: Record<string, unknown>;
  failures?: Array<{ index?: string; reason?: string }>;
  shards?: { failed?: number };
}

const POLL_MS = 500;

/**
 * Makes sure `repository` exists: an existing one (whatever its type) is used as it is; a missing one is
 * registered as a filesystem repository at `location`, which the cluster resolves below its `path.repo`.
 */
export async function ensureRepository(
  client: EsClient,
  repository: string,
  location: string,
): Promise<'existing' | 'registered'> {
  const found = await client.request({
    method: 'GET',
    path: `/_snapshot/${encodeURIComponent(repository)}`,
    ignore: [404],
  });
  if (found.status === 200) return 'existing';
  try {
    await client.request({
      method: 'PUT',
      path: `/_snapshot/${encodeURIComponent(repository)}`,
      body: { type: 'fs', settings: { location, compress: true } },
    });
  } catch (err) {
    if (err instanceof EsError && !err.retryable) {
      throw new ConfigError(
        `backup.repository: there is no snapshot repository "${repository}" and the cluster refused to register a ` +
          `filesystem one at "${location}" (${err.message}); its nodes need path.repo set to a directory containing ` +
          'it, or register a repository of your own (fs, s3, ...) and name it in backup.repository',
        { cause: err },
      );
    }
    throw err;
  }
  return 'registered';
}

function snapshotOf(raw: RawSnapshot): SnapshotInfo {
  return {
    name: raw.snapshot,
    state: raw.state,
    startMs: raw.start_time_in_millis,
    endMs: raw.end_time_in_millis,
    indices: [...(raw.indices ?? [])].sort(),
    metadata: raw.metadata ?? {},
  };
}

async function snapshotNamed(
  client: EsClient,
  repository: string,
  name: string,
): Promise<RawSnapshot | undefined> {
  const { status, body } = await client.request<{ snapshots?: RawSnapshot[] }>({
    method: 'GET',
    path: `/_snapshot/${encodeURIComponent(repository)}/${encodeURIComponent(name)}`,
    ignore: [404],
  });
  return status === 200 ? body.snapshots?.[0] : undefined;
}

/**
 * Takes a snapshot of `indices` (names, patterns, data streams) and of the cluster's global state (index
 * templates, ingest pipelines), and waits for it by polling rather than holding one request open for as long
 * as the copy takes. Fails unless every shard was copied.
 */
export async function createSnapshot(
  client: EsClient,
  repository: string,
  name: string,
  indices: string[],
  metadata: Record<string, unknown>,
): Promise<SnapshotInfo> {
  await client.request({
    method: 'PUT',
    path: `/_snapshot/${encodeURIComponent(repository)}/${encodeURIComponent(name)}`,
    query: { wait_for_completion: false },
    body: {
      indices: indices.join(','),
      ignore_unavailable: true,
      include_global_state: true,
      metadata,
    },
  });
  for (;;) {
    const raw = await snapshotNamed(client, repository, name);
    if (raw && raw.state !== 'IN_PROGRESS' && raw.state !== 'STARTED') {
      if (raw.state !== 'SUCCESS') {
        const reasons = (raw.failures ?? []).map((f) => `${f.index}: ${f.reason}`).join('; ');
        throw new Error(`snapshot ${name} ended ${raw.state}${reasons ? `: ${reasons}` : ''}`);
      }
      return snapshotOf(raw);
    }
    await sleep(POLL_MS);
  }
}

/** The repository's snapshots whose name starts with `prefix`, oldest first. */
export async function listSnapshots(
  client: EsClient,
  repository: string,
  prefix: string,
): Promise<SnapshotInfo[]> {
  const { body } = await client.request<{ snapshots?: RawSnapshot[] }>({
    method: 'GET',
    path: `/_snapshot/${encodeURIComponent(repository)}/_all`,
  });
  return (body.snapshots ?? [])
    .filter((s) => s.snapshot.startsWith(prefix))
    .map(snapshotOf)
    .sort((a, b) => a.startMs - b.startMs || a.name.localeCompare(b.name));
}

export async function deleteSnapshot(client: EsClient, repository: string, name: string): Promise<void> {
  await client.request({
    method: 'DELETE',
    path: `/_snapshot/${encodeURIComponent(repository)}/${encodeURIComponent(name)}`,
  });
}

/** Deletes all but the newest `keep` of `snapshots` (oldest first, as listSnapshots returns them). */
export async function pruneSnapshots(
  client: EsClient,
  repository: string,
  snapshots: readonly SnapshotInfo[],
  keep: number,
): Promise<string[]> {
  const done = snapshots.filter(
    (s) => s.state === 'SUCCESS' || s.state === 'PARTIAL' || s.state === 'FAILED',
  );
  const expired = done.slice(0, Math.max(0, done.length - keep)).map((s) => s.name);
  for (const name of expired) await deleteSnapshot(client, repository, name);
  return expired;
}

export interface RestoreRun {
  /** Data streams and indices restored, under the names they have now. */
  restored: string[];
  /** Those of the snapshot that exist in the cluster and were left as they are. */
  skipped: string[];
}

async function exists(client: EsClient, name: string): Promise<boolean> {
  const { status } = await client.request({
    method: 'HEAD',
    path: `/${encodeURIComponent(name)}`,
    ignore: [404],
  });
  return status === 200;
}

/**
 * What a snapshot holds, as it is restored: its data streams (with their backing indices), and the indices that
 * belong to none.
 */
function restorable(raw: RawSnapshot): string[] {
  const streams = raw.data_streams ?? [];
  const backing = (index: string) =>
    index.startsWith('.ds-') && streams.some((s) => index.startsWith(`.ds-${s}-`));
  return [...streams, ...(raw.indices ?? []).filter((index) => !backing(index))].sort();
}

/**
 * Restores the data streams and indices of a snapshot that the cluster no longer has, and waits until their
 * primaries are active. Those that exist are skipped (a restore never overwrites data written since); `only`
 * narrows what is restored, `renameTo` restores an index under another name (an archived day beside today's).
 */
export async function restoreSnapshot(
  client: EsClient,
  repository: string,
  name: string,
  options: {
    only?: (index: string) => boolean;
    renameTo?: (index: string) => string;
    /** Restore these indices by name (a data stream's backing index as a plain index) instead of streams. */
    indices?: boolean;
  } = {},
): Promise<RestoreRun> {
  const raw = await snapshotNamed(client, repository, name);
  if (!raw) throw new ConfigError(`there is no snapshot "${name}" in repository "${repository}"`);
  const wanted = (options.indices ? [...(raw.indices ?? [])].sort() : restorable(raw)).filter(
    (index) => options.only?.(index) ?? true,
  );
  const target = (index: string) => options.renameTo?.(index) ?? index;
  const restored: string[] = [];
  const skipped: string[] = [];
  for (const index of wanted) ((await exists(client, target(index))) ? skipped : restored).push(index);
  const path = `/_snapshot/${encodeURIComponent(repository)}/${encodeURIComponent(name)}/_restore`;
  const restore = (indices: string[], rename?: { rename_pattern: string; rename_replacement: string }) =>
    client.request({
      method: 'POST',
      path,
      query: { wait_for_completion: true },
      body: { indices: indices.join(','), include_global_state: false, include_aliases: true, ...rename },
    });
  if (!options.renameTo) {
    for (let i = 0; i < restored.length; i += 50) await restore(restored.slice(i, i + 50));
  } else {
    for (const index of restored)
      await restore([index], {
        rename_pattern: `^${escapeRegex(index)}$`,
        rename_replacement: target(index),
      });
  }
  return { restored: restored.map(target), skipped };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
