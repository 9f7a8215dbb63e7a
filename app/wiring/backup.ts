import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EsClient } from '../../plugins/elasticsearch/client.js';
import {
  createSnapshot,
  deleteSnapshot,
  ensureRepository,
  listSnapshots,
  pruneSnapshots,
  type RestoreRun,
  restoreSnapshot,
  type SnapshotInfo,
} from '../../plugins/elasticsearch/snapshots.js';
import {
  readStateFiles,
  type StateFile,
  saveStateFiles,
  stateIndexName,
} from '../../plugins/elasticsearch/state-index.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { UsageError } from '../../src/errors.js';
import { dataDirOf } from './paths.js';

/** Backups of one namespace are the repository's snapshots named `flowtrail-<namespace>-<time>`. */
export function backupPrefix(namespace: string): string {
  return `flowtrail-${namespace}-`;
}

/** Sorts by time as text: `flowtrail-default-2026.12.07-13.21.00.123`. */
export function backupName(namespace: string, now: number): string {
  const iso = new Date(now).toISOString();
  return `${backupPrefix(namespace)}${iso.slice(0, 10).replaceAll('-', '.')}-${iso.slice(11, 23).replaceAll(':', '.')}`;
}

/** What a backup holds: every data stream and daily index of the namespace, and the collector's state index. */
export function backupIndices(namespace: string): string[] {
  return [`logs-flowtrail.*-${namespace}`, `logs-flowtrail.*-${namespace}-*`, stateIndexName(namespace)];
}

/** The collector's own state below the data dir: NetFlow's template cache and the tailed inputs' positions. */
async function collectorStateFiles(dataDir: string): Promise<StateFile[]> {
  const candidates = [join('netflow', 'templates.json')];
  try {
    for (const name of await readdir(join(dataDir, 'inputs')))
      if (name.endsWith('.positions.json')) candidates.push(join('inputs', name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const files: StateFile[] = [];
  for (const path of candidates.sort()) {
    try {
      const full = join(dataDir, path);
      const [content, info] = await Promise.all([readFile(full), stat(full)]);
      files.push({ path, content, modifiedMs: info.mtimeMs });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return files;
}

export interface BackupRun {
  snapshot: SnapshotInfo;
  stateFiles: string[];
  repository: { name: string; registered: boolean };
  pruned: string[];
}

/**
 * Saves the collector's state files into the cluster and snapshots the namespace with them (and the cluster's
 * templates, in the snapshot's global state); with `prune`, then deletes all but the newest `backup.keep`.
 */
export async function createBackup(
  client: EsClient,
  config: FlowtrailConfig,
  options: { prune?: boolean; now?: number } = {},
): Promise<BackupRun> {
  const { repository, location, keep } = config.backup;
  const namespace = config.elasticsearch.namespace;
  const registered = (await ensureRepository(client, repository, location)) === 'registered';
  const files = await collectorStateFiles(dataDirOf(config));
  await saveStateFiles(client, stateIndexName(namespace), files);
  const snapshot = await createSnapshot(
    client,
    repository,
    backupName(namespace, options.now ?? Date.now()),
    backupIndices(namespace),
    { flowtrail: { namespace, state_files: files.map((f) => f.path) } },
  );
  const pruned = options.prune
    ? await pruneSnapshots(
        client,
        repository,
        await listSnapshots(client, repository, backupPrefix(namespace)),
        keep,
      )
    : [];
  return {
    snapshot,
    stateFiles: files.map((f) => f.path),
    repository: { name: repository, registered },
    pruned,
  };
}

export async function listBackups(client: EsClient, config: FlowtrailConfig): Promise<SnapshotInfo[]> {
  const { repository, location } = config.backup;
  await ensureRepository(client, repository, location);
  return listSnapshots(client, repository, backupPrefix(config.elasticsearch.namespace));
}

/** `latest` or a backup's name, checked to be one of this namespace's. */
async function backupNamed(client: EsClient, config: FlowtrailConfig, name: string): Promise<SnapshotInfo> {
  const backups = await listBackups(client, config);
  const found = name === 'latest' ? backups.at(-1) : backups.find((b) => b.name === name);
  if (!found) {
    throw new UsageError(
      name === 'latest'
        ? `there is no backup of namespace ${config.elasticsearch.namespace} in repository ${config.backup.repository}`
        : `there is no backup "${name}" of namespace ${config.elasticsearch.namespace} (see flowtrail backup list)`,
    );
  }
  return found;
}

export interface BackupRestore extends RestoreRun {
  snapshot: string;
  /** State files written back into the data dir (only when asked). */
  stateFiles: string[];
}

/**
 * Restores the backup's data streams and indices that the cluster no longer has; with `state`, also writes the
 * collector's state files of that moment back into the data dir (read from a copy of the state index restored
 * under a temporary name, then deleted), so that tailed inputs re-read what was written after the backup.
 */
export async function restoreBackup(
  client: EsClient,
  config: FlowtrailConfig,
  name: string,
  options: { state?: boolean } = {},
): Promise<BackupRestore> {
  const { repository } = config.backup;
  const snapshot = await backupNamed(client, config, name);
  const stateIndex = stateIndexName(config.elasticsearch.namespace);
  const run = await restoreSnapshot(client, repository, snapshot.name, {
    only: (index) => index !== stateIndex,
  });
  const stateFiles: string[] = [];
  if (options.state && snapshot.indices.includes(stateIndex)) {
    const copy = `${stateIndex}-restored-${Date.now()}`;
    await restoreSnapshot(client, repository, snapshot.name, {
      only: (index) => index === stateIndex,
      renameTo: () => copy,
    });
    try {
      for (const file of await readStateFiles(client, copy)) {
        await writeAtomically(join(dataDirOf(config), file.path), file.content);
        stateFiles.push(file.path);
      }
    } finally {
      await client.request({ method: 'DELETE', path: `/${encodeURIComponent(copy)}`, ignore: [404] });
    }
  }
  return { ...run, snapshot: snapshot.name, stateFiles };
}

export async function deleteBackup(client: EsClient, config: FlowtrailConfig, name: string): Promise<string> {
  const snapshot = await backupNamed(client, config, name);
  await deleteSnapshot(client, config.backup.repository, snapshot.name);
  return snapshot.name;
}

async function writeAtomically(file: string, content: Buffer): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.restore`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}
