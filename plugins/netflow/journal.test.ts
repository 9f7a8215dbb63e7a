import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatagramJournal } from './journal.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'flowtrail-journal-unit-'));
const batchOf = (fill: number, length: number) => new Uint8Array(length).fill(fill).buffer;
const fillOf = (buffer: ArrayBuffer) => new Uint8Array(buffer)[0];

function readAll(journal: DatagramJournal) {
  const entries = [];
  for (let entry = journal.read(); entry; entry = journal.read()) entries.push(entry);
  return entries;
}

describe('datagram journal', () => {
  it('gives batches back in the order they came, across segment files', () => {
    const journal = new DatagramJournal(tempDir(), { maxBytes: 1e9, segmentBytes: 1000 });
    for (let i = 0; i < 10; i++) expect(journal.append(batchOf(i, 300 + i), i + 1)).toBe(true);
    const entries = readAll(journal);
    expect(entries.map((e) => fillOf(e.buffer))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(entries.map((e) => e.buffer.byteLength)).toEqual([
      300, 301, 302, 303, 304, 305, 306, 307, 308, 309,
    ]);
    expect(entries.map((e) => e.packets)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(journal.bytes).toBeGreaterThan(3000);
    for (const _ of entries) journal.release();
    expect(journal.bytes).toBe(0);
  });

  it('deletes a segment once everything in it is released', () => {
    const dir = tempDir();
    const journal = new DatagramJournal(dir, { maxBytes: 1e9, segmentBytes: 300 });
    for (let i = 0; i < 4; i++) journal.append(batchOf(i, 400), 1);
    readAll(journal);
    expect(readdirSync(dir).filter((f) => f.endsWith('.batches'))).toHaveLength(4);
    journal.release();
    // The first segment is written entirely, but the position is still inside it.
    expect(readdirSync(dir).filter((f) => f.endsWith('.batches'))).toHaveLength(4);
    journal.release();
    journal.release();
    expect(readdirSync(dir).filter((f) => f.endsWith('.batches'))).toHaveLength(2);
    expect(journal.diskBytes).toBe(2 * 408);
    expect(journal.bytes).toBe(408);
  });

  it('refuses batches beyond its size bound', () => {
    const journal = new DatagramJournal(tempDir(), { maxBytes: 1000 });
    expect(journal.append(batchOf(1, 600), 1)).toBe(true);
    expect(journal.append(batchOf(2, 600), 1)).toBe(true);
    expect(journal.append(batchOf(3, 600), 1)).toBe(false);
  });

  it('hands the next run everything after the last released entry, within a segment and across them', () => {
    const dir = tempDir();
    const before = new DatagramJournal(dir, { maxBytes: 1e9, segmentBytes: 1000 });
    for (let i = 0; i < 6; i++) before.append(batchOf(i, 300), 1);
    expect(readAll(before)).toHaveLength(6);
    before.release();
    before.release();
    before.close();
    const after = new DatagramJournal(dir, { maxBytes: 1e9, segmentBytes: 1000 });
    expect(after.bytes).toBe(4 * 308);
    expect(readAll(after).map((e) => fillOf(e.buffer))).toEqual([2, 3, 4, 5]);
    after.append(batchOf(9, 10), 1);
    expect(readAll(after).map((e) => fillOf(e.buffer))).toEqual([9]);
    for (let i = 0; i < 5; i++) after.release();
    after.close();
    const third = new DatagramJournal(dir, { maxBytes: 1e9, segmentBytes: 1000 });
    expect(third.bytes).toBe(0);
    expect(third.read()).toBeUndefined();
    third.append(batchOf(7, 10), 1);
    expect(readAll(third).map((e) => fillOf(e.buffer))).toEqual([7]);
  });

  it('skips an entry cut short by a crash and counts its bytes', () => {
    const dir = tempDir();
    const before = new DatagramJournal(dir, { maxBytes: 1e9 });
    before.append(batchOf(5, 100), 1);
    before.close();
    const [segment] = readdirSync(dir).filter((f) => f.endsWith('.batches'));
    // A header announcing 1000 bytes with only 10 behind it, as a write interrupted by a crash leaves it.
    const torn = Buffer.alloc(18);
    torn.writeUInt32LE(1000, 0);
    torn.writeUInt32LE(1, 4);
    appendFileSync(join(dir, segment), torn);
    const after = new DatagramJournal(dir, { maxBytes: 1e9 });
    after.append(batchOf(6, 50), 1);
    expect(readAll(after).map((e) => fillOf(e.buffer))).toEqual([5, 6]);
    expect(after.tornBytes).toBe(18);
  });
});
