/**
 * One session's packets out of the ring. Files whose index (or, for files without one, whose time) rules the
 * session out are not read; of a file whose index has the session, only the bytes from its first to its last
 * record are. Each record read is decoded natively (the meter's own decoder) and kept when its packet is the
 * session's: both directions, within its time range, later IP fragments of its datagrams.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import {
  ENTRY,
  INDEX_HEADER_BYTES,
  linktypeOf,
  MAX_FRAME_BYTES,
  PCAP_HEADER_BYTES,
  pcapHeader,
  RECORD_HEADER_BYTES,
  recordTime,
} from './layout.js';
import { firstPacketMs, indexPathOf, listRing, type RingFile } from './ring.js';
import { entryMatches, nativeSelector, type SessionSelector } from './session.js';

/** The native selector (codecs/pcap's selectRecords): the session's records among whole records of a ring file. */
export type SelectRecords = (
  records: Buffer,
  linktype: number,
  selector: Record<string, unknown>,
) => { records: Buffer; matched: number; consumed: number };

export interface PacketStoreReader {
  dir: string;
  select: SelectRecords;
}

export type Extraction =
  | {
      found: true;
      /** A pcap file: header and the session's records, oldest first. */
      pcap: Buffer;
      packets: number;
      /** Ring files read (some of them in part). */
      filesRead: number;
      /** Matching packets of another link type than the first found, left out (one pcap holds one link type). */
      otherLinktype: number;
    }
  | {
      found: false;
      /** `empty`: nothing stored; `older`: the session ended before the oldest packet kept; `absent`: not in it. */
      why: 'empty' | 'older' | 'absent';
      oldestMs?: number;
      newestMs?: number;
      filesRead: number;
    };

const CHUNK_BYTES = 8 << 20;

/** Where in a file the session's records can be: the whole file, a byte range, or nowhere. */
function rangeIn(file: RingFile, selector: SessionSelector): { start: number; end: number } | undefined {
  const index = file.index;
  if (index === undefined) return { start: PCAP_HEADER_BYTES, end: Number.POSITIVE_INFINITY };
  if (index.records === 0 || index.lastMs < selector.fromMs || index.firstMs > selector.toMs)
    return undefined;
  if (!index.complete) return { start: PCAP_HEADER_BYTES, end: Number.POSITIVE_INFINITY };
  const entries = readFileSync(indexPathOf(file.path)).subarray(INDEX_HEADER_BYTES);
  let start = Number.POSITIVE_INFINITY;
  let last = -1;
  for (let at = 0; at + ENTRY.size <= entries.length; at += ENTRY.size) {
    if (!entryMatches(entries, at, selector)) continue;
    start = Math.min(start, entries.readDoubleLE(at + ENTRY.firstOffset));
    last = Math.max(last, entries.readDoubleLE(at + ENTRY.lastOffset));
  }
  return last < 0 ? undefined : { start, end: last + RECORD_HEADER_BYTES + MAX_FRAME_BYTES };
}

/** The session's records in bytes [start, end) of a ring file, read in chunks; stops at a cut last record. */
function scan(
  path: string,
  range: { start: number; end: number },
  selector: SessionSelector,
  select: SelectRecords,
): { linktype: number; records: Buffer[] } | undefined {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(PCAP_HEADER_BYTES);
    const linktype = linktypeOf(header.subarray(0, readSync(fd, header, 0, PCAP_HEADER_BYTES, 0)));
    if (linktype === undefined) return undefined;
    const wanted = nativeSelector(selector);
    const records: Buffer[] = [];
    let carry = Buffer.alloc(0);
    for (let at = range.start; at < range.end; ) {
      const chunk = Buffer.alloc(Math.min(CHUNK_BYTES, range.end - at));
      const read = readSync(fd, chunk, 0, chunk.length, at);
      if (read === 0) break;
      at += read;
      const bytes =
        carry.length === 0 ? chunk.subarray(0, read) : Buffer.concat([carry, chunk.subarray(0, read)]);
      const selected = select(bytes, linktype, wanted);
      if (selected.records.length > 0) records.push(selected.records);
      carry = Buffer.from(bytes.subarray(selected.consumed));
    }
    return { linktype, records };
  } finally {
    closeSync(fd);
  }
}

/** The records of several buffers, in time order (files and streams interleave). */
function inTimeOrder(buffers: Buffer[]): Buffer[] {
  const records: Buffer[] = [];
  for (const buffer of buffers) {
    for (let at = 0; at + RECORD_HEADER_BYTES <= buffer.length; ) {
      const length = RECORD_HEADER_BYTES + buffer.readUInt32LE(at + 8);
      records.push(buffer.subarray(at, at + length));
      at += length;
    }
  }
  // Stable: records of one time keep the order they were stored in.
  return records
    .map((record, i) => ({ record, i, time: recordTime(record, 0) }))
    .sort((x, y) => x.time - y.time || x.i - y.i)
    .map((r) => r.record);
}

export function extractSession(reader: PacketStoreReader, selector: SessionSelector): Extraction {
  const files = listRing(reader.dir);
  const found = new Map<number, Buffer[]>();
  let filesRead = 0;
  let oldestMs: number | undefined;
  let newestMs: number | undefined;
  for (const file of files) {
    const first = firstPacketMs(file);
    if (first !== undefined) oldestMs = Math.min(oldestMs ?? first, first);
    if (file.index !== undefined && file.index.records > 0)
      newestMs = Math.max(newestMs ?? file.index.lastMs, file.index.lastMs);
    try {
      const range = rangeIn(file, selector);
      if (range === undefined) continue;
      const scanned = scan(file.path, range, selector, reader.select);
      filesRead++;
      if (scanned === undefined || scanned.records.length === 0) continue;
      found.set(scanned.linktype, [...(found.get(scanned.linktype) ?? []), ...scanned.records]);
    } catch (err) {
      // Deleted by the caps between the listing and the read: its packets are gone, as if it had not been listed.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  const [first, ...others] = [...found.entries()];
  if (first === undefined) {
    if (oldestMs === undefined) return { found: false, why: 'empty', filesRead };
    const why = selector.toMs < oldestMs ? 'older' : 'absent';
    return { found: false, why, oldestMs, newestMs, filesRead };
  }
  const records = inTimeOrder(first[1]);
  const otherLinktype = others.reduce((sum, [, buffers]) => sum + inTimeOrder(buffers).length, 0);
  return {
    found: true,
    pcap: Buffer.concat([pcapHeader(first[0]), ...records]),
    packets: records.length,
    filesRead,
    otherLinktype,
  };
}
