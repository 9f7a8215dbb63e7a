/**
 * Whether the ring holds a session's packets, told by its indexes alone (no packet is read): what an alert's
 * context shows beside its flows, as a reference to `flowtrail pcap`.
 */
import { readFileSync } from 'node:fs';
import { ENTRY, INDEX_HEADER_BYTES } from './layout.js';
import { firstPacketMs, indexPathOf, listRing } from './ring.js';
import { entryMatches, type SessionSelector } from './session.js';

export interface PacketsKept {
  /** The session's packets in sealed files, as their indexes count them. */
  packets: number;
  /** Sealed files holding some of them. */
  files: number;
  /** Files not sealed yet (being written) or with a full index, which may hold more; searched whole on extraction. */
  unsealed: number;
}

export function locateSession(dir: string, selector: SessionSelector): PacketsKept {
  const kept: PacketsKept = { packets: 0, files: 0, unsealed: 0 };
  for (const file of listRing(dir)) {
    const index = file.index;
    if (index === undefined || !index.complete) {
      // A file begun before the session ended and written after it began may hold some of it.
      const first = firstPacketMs(file);
      if (first !== undefined && first <= selector.toMs && file.modifiedMs >= selector.fromMs)
        kept.unsealed++;
      continue;
    }
    if (index.records === 0 || index.lastMs < selector.fromMs || index.firstMs > selector.toMs) continue;
    let entries: Buffer;
    try {
      entries = readFileSync(indexPathOf(file.path)).subarray(INDEX_HEADER_BYTES);
    } catch {
      // Deleted by the caps since the listing.
      continue;
    }
    let packets = 0;
    for (let at = 0; at + ENTRY.size <= entries.length; at += ENTRY.size)
      if (entryMatches(entries, at, selector)) packets += entries.readUInt32LE(at + ENTRY.packets);
    if (packets === 0) continue;
    kept.packets += packets;
    kept.files++;
  }
  return kept;
}
