/**
 * The ring: a directory of pcap files, each written by one stream (a capture file being ingested, an interface
 * being captured) and named by when it was begun, so that names sort oldest first across writers and processes.
 * The size and age caps delete whole files, oldest first; age counts from a file's last write (when its packets
 * were stored, as Elasticsearch retention counts), not from the packets' own times, which a replayed capture sets.
 */
import { closeSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  INDEX_HEADER_BYTES,
  type IndexHeader,
  PCAP_HEADER_BYTES,
  readIndexHeader,
  recordTime,
} from './layout.js';

const RING_NAME = /^packets-(\d{15})-(\d+)-(\d+)\.pcap$/;

export interface RingCaps {
  maxBytes: number;
  maxAgeMs: number;
}

export interface RingFile {
  name: string;
  path: string;
  /** The pcap file's bytes and its index's. */
  bytes: number;
  modifiedMs: number;
  /** Undefined while the file is written, or when its writer stopped before sealing it. */
  index?: IndexHeader;
}

/** A new ring file's name: its begin time, the writing process and a number of the process's. */
export function ringFileName(nowMs: number, pid: number, sequence: number): string {
  return `packets-${String(Math.floor(nowMs)).padStart(15, '0')}-${pid}-${String(sequence).padStart(9, '0')}.pcap`;
}

export function indexPathOf(path: string): string {
  return `${path}.idx`;
}

function readHead(path: string, bytes: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(bytes);
    const read = readSync(fd, head, 0, bytes, 0);
    return head.subarray(0, read);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The index header of a sealed file of an index of `bytes`; undefined when it has none or it is damaged. */
function readIndex(path: string, bytes: number): IndexHeader | undefined {
  const head = readHead(indexPathOf(path), INDEX_HEADER_BYTES);
  return head === undefined ? undefined : readIndexHeader(head, bytes);
}

/** The ring's files, oldest first (a missing directory is an empty ring). */
export function listRing(dir: string): RingFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const files: RingFile[] = [];
  for (const name of names.filter((n) => RING_NAME.test(n)).sort()) {
    const path = join(dir, name);
    try {
      const info = statSync(path);
      let bytes = info.size;
      let index: IndexHeader | undefined;
      try {
        const indexBytes = statSync(indexPathOf(path)).size;
        bytes += indexBytes;
        index = readIndex(path, indexBytes);
      } catch {
        // Not sealed (yet): the file is read whole when searched.
      }
      files.push({ name, path, bytes, modifiedMs: info.mtimeMs, index });
    } catch {
      // Deleted by another writer's caps between the listing and now.
    }
  }
  return files;
}

/** The time of a ring file's first packet, from its index or, unsealed, its first record; undefined when empty. */
export function firstPacketMs(file: RingFile): number | undefined {
  if (file.index !== undefined) return file.index.records > 0 ? file.index.firstMs : undefined;
  const head = readHead(file.path, PCAP_HEADER_BYTES + 8);
  return head !== undefined && head.length >= PCAP_HEADER_BYTES + 8
    ? recordTime(head, PCAP_HEADER_BYTES)
    : undefined;
}

/**
 * Deletes files, oldest first, while the ring is over its size cap or they are older than its age cap; `keep`
 * (files being written) stay. Returns what was deleted.
 */
export function enforceCaps(
  dir: string,
  caps: RingCaps,
  nowMs: number,
  keep: ReadonlySet<string>,
): RingFile[] {
  const files = listRing(dir);
  let total = files.reduce((sum, f) => sum + f.bytes, 0);
  const deleted: RingFile[] = [];
  for (const file of files) {
    if (keep.has(file.path)) continue;
    if (total <= caps.maxBytes && nowMs - file.modifiedMs <= caps.maxAgeMs) continue;
    // The index first: a file without one is still read, an index without its file is nothing.
    rmSync(indexPathOf(file.path), { force: true });
    rmSync(file.path, { force: true });
    total -= file.bytes;
    deleted.push(file);
  }
  return deleted;
}
