import type { Stats } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fingerprintOf } from './fingerprint.js';

/** A file a scan found, with what `stat` said about it then. */
export interface Candidate {
  path: string;
  dev: number;
  ino: number;
  size: number;
}

/** Rotation compresses files in one go; they are finished, and `flowtrail ingest` reads them. */
const COMPRESSED = /\.(gz|bz2|xz|zst)$/;

function hasWildcard(name: string): boolean {
  return name.includes('*') || name.includes('?');
}

/** `*` and `?` within one path component; nothing else is special. */
export function namePattern(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

async function namesIn(dir: string, patterns: RegExp[]): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  return names.filter((name) => patterns.some((p) => p.test(name))).map((name) => join(dir, name));
}

/**
 * The files the configured paths name now: a file, every `include`d name in a directory, or the names matching
 * a pattern in the last component (`/var/log/suricata/eve*.json`). Paths that do not exist yet are skipped;
 * the next scan looks again.
 */
export async function findFiles(paths: readonly string[], include: readonly RegExp[]): Promise<Candidate[]> {
  const found = new Set<string>();
  for (const path of paths) {
    if (hasWildcard(basename(path))) {
      for (const file of await namesIn(dirname(path), [namePattern(basename(path))])) found.add(file);
      continue;
    }
    const info = await statOrUndefined(path);
    if (info?.isDirectory()) for (const file of await namesIn(path, [...include])) found.add(file);
    else if (info?.isFile()) found.add(path);
  }
  const candidates: Candidate[] = [];
  for (const path of found) {
    if (COMPRESSED.test(path)) continue;
    const info = await statOrUndefined(path);
    if (info?.isFile()) candidates.push({ path, dev: info.dev, ino: info.ino, size: info.size });
  }
  return candidates;
}

/** Directories whose changes may add, rotate or grow a tailed file: what fs.watch listens to. */
export async function watchedDirectories(paths: readonly string[]): Promise<string[]> {
  const dirs = new Set<string>();
  for (const path of paths) {
    if (hasWildcard(basename(path))) dirs.add(dirname(path));
    else if ((await statOrUndefined(path))?.isDirectory()) dirs.add(path);
    else dirs.add(dirname(path));
  }
  return [...dirs];
}

/** Fingerprint of the first `length` bytes, or undefined if the file is shorter (it cannot be that file). */
export async function prefixFingerprint(handle: FileHandle, length: number): Promise<string | undefined> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, 0);
  return bytesRead < length ? undefined : fingerprintOf(buffer);
}

/** Opens a candidate and checks that the path still leads to the inode the scan saw. */
export async function openCandidate(candidate: Candidate): Promise<FileHandle | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(candidate.path, 'r');
  } catch {
    return undefined;
  }
  const info = await handle.stat();
  if (info.dev === candidate.dev && info.ino === candidate.ino) return handle;
  await handle.close();
  return undefined;
}

/** The candidates of one scan opened so far, each at most once. */
export class OpenedFiles {
  private readonly handles = new Map<Candidate, FileHandle>();

  /** The candidate's handle, opened now or earlier in the pass; undefined when it cannot be opened. */
  async open(c: Candidate): Promise<FileHandle | undefined> {
    let handle = this.handles.get(c);
    if (handle === undefined) {
      handle = await openCandidate(c);
      if (handle !== undefined) this.handles.set(c, handle);
    }
    return handle;
  }

  /** Hands an opened candidate's handle over to whoever closes it from now on. */
  take(c: Candidate): FileHandle {
    const handle = this.handles.get(c)!;
    this.handles.delete(c);
    return handle;
  }

  async close(): Promise<void> {
    for (const handle of this.handles.values()) await handle.close();
  }
}
