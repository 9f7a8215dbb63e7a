/**
 * The packet store's files. Ring files are classic pcap (little-endian, microsecond times, one link type each);
 * beside each sealed one, `<file>.idx`: a header, then one entry per session of the file. The entries are written
 * by the native recorder (codecs/pcap/native/packet-store.h, ENTRY_SIZE and E_* there: the same layout).
 */

export const PCAP_HEADER_BYTES = 24;
export const RECORD_HEADER_BYTES = 16;
/** The largest frame a record may hold (libpcap's MAXIMUM_SNAPLEN). */
export const MAX_FRAME_BYTES = 262_144;
const PCAP_MAGIC = 0xa1b2c3d4;

/** The header of a ring file (or of an extracted session's file) for frames of this link type. */
export function pcapHeader(linktype: number): Buffer {
  const header = Buffer.alloc(PCAP_HEADER_BYTES);
  header.writeUInt32LE(PCAP_MAGIC, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(MAX_FRAME_BYTES, 16);
  header.writeUInt32LE(linktype, 20);
  return header;
}

/** The link type of a ring file's header, or undefined when it is not one the store wrote. */
export function linktypeOf(header: Buffer): number | undefined {
  if (header.length < PCAP_HEADER_BYTES || header.readUInt32LE(0) !== PCAP_MAGIC) return undefined;
  return header.readUInt32LE(20);
}

/** A record's time in epoch ms (the store writes microseconds). */
export function recordTime(records: Buffer, at: number): number {
  return records.readUInt32LE(at) * 1000 + records.readUInt32LE(at + 4) / 1000;
}

export const ENTRY = {
  size: 80,
  a: 0,
  b: 16,
  portA: 32,
  portB: 34,
  protocol: 36,
  family: 37,
  packets: 40,
  firstMs: 48,
  lastMs: 56,
  firstOffset: 64,
  lastOffset: 72,
} as const;

const INDEX_MAGIC = 'FTPKTIX1';
export const INDEX_HEADER_BYTES = 56;

/** What an index file says of its ring file as a whole. */
export interface IndexHeader {
  sessions: number;
  /** Every IP packet of the file is in an entry; false when the file had more sessions than its index holds. */
  complete: boolean;
  records: number;
  firstMs: number;
  lastMs: number;
  /** The ring file's size when it was sealed. */
  bytes: number;
  linktype: number;
}

export function indexFile(header: IndexHeader, entries: Buffer): Buffer {
  const h = Buffer.alloc(INDEX_HEADER_BYTES);
  h.write(INDEX_MAGIC, 0, 'latin1');
  h.writeUInt32LE(header.sessions, 8);
  h.writeUInt32LE(header.complete ? 1 : 0, 12);
  h.writeDoubleLE(header.records, 16);
  h.writeDoubleLE(header.firstMs, 24);
  h.writeDoubleLE(header.lastMs, 32);
  h.writeDoubleLE(header.bytes, 40);
  h.writeUInt32LE(header.linktype, 48);
  return Buffer.concat([h, entries]);
}

/**
 * An index file's header (its first bytes, of a file of `fileBytes`), or undefined when it is not one: a damaged or
 * cut index is read as no index.
 */
export function readIndexHeader(bytes: Buffer, fileBytes = bytes.length): IndexHeader | undefined {
  if (bytes.length < INDEX_HEADER_BYTES || bytes.toString('latin1', 0, 8) !== INDEX_MAGIC) return undefined;
  const sessions = bytes.readUInt32LE(8);
  if (fileBytes !== INDEX_HEADER_BYTES + sessions * ENTRY.size) return undefined;
  return {
    sessions,
    complete: bytes.readUInt32LE(12) === 1,
    records: bytes.readDoubleLE(16),
    firstMs: bytes.readDoubleLE(24),
    lastMs: bytes.readDoubleLE(32),
    bytes: bytes.readDoubleLE(40),
    linktype: bytes.readUInt32LE(48),
  };
}
