import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { itNeeding } from '../../test/support/requirements.js';
import { smallDisk } from '../../test/support/tmpfs.js';
import {
  type JournalDropReason,
  JournalReader,
  type JournalReaderTrouble,
  JournalWriter,
} from './journal.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'flowtrail-journal-unit-'));
const batchOf = (fill: number, length: number) => new Uint8Array(length).fill(fill).buffer;
const fillOf = (buffer: ArrayBuffer) => new Uint8Array(buffer)[0];
const segmentFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.batches'));

/** A reader and a writer on one directory, wired as the collector's two threads are by messages. */
function open(
  dir: string,
  options: {
    maxBytes?: number;
    maxPendingBytes?: number;
    segmentBytes?: number;
    minFreeBytes?: number;
    now?: () => number;
  } = {},
) {
  const troubles: JournalReaderTrouble[] = [];
  const reader = new JournalReader(dir, { onTrouble: (trouble) => troubles.push(trouble) });
  const lost: ArrayBuffer[] = [];
  const lostWhy: JournalDropReason[] = [];
  const writer = new JournalWriter(dir, {
    maxBytes: options.maxBytes ?? 1e9,
    maxPendingBytes: options.maxPendingBytes ?? 1e9,
    segmentBytes: options.segmentBytes,
    minFreeBytes: options.minFreeBytes,
    now: options.now,
    nextSeq: reader.nextSeq,
    heldBytes: reader.diskBytes,
    onWritten: (seq, length) => reader.appended(seq, length),
    onSealed: (seq) => writer.freed(reader.sealed(seq)),
    onLost: (buffer, reason) => {
      lost.push(buffer);
      lostWhy.push(reason);
    },
  });
  const release = () => writer.freed(reader.release());
  const close = async () => {
    await writer.close();
    reader.close();
  };
  return { reader, writer, lost, lostWhy, troubles, release, close };
}

const asRoot = process.getuid?.() === 0 ? undefined : 'needs root to mount a small tmpfs';

/** A tmpfs of `bytes` for the test's body, unmounted after it. */
async function onSmallDisk(bytes: number, body: (dir: string) => Promise<void>): Promise<void> {
  const disk = smallDisk(bytes);
  if (!('dir' in disk)) throw new Error(disk.unavailable);
  try {
    await body(disk.dir);
  } finally {
    disk.unmount();
  }
}

/** Fills the file system of `dir` with a file, to the last byte. */
function fillDisk(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(4096);
  for (;;) {
    try {
      appendFileSync(filler, chunk);
    } catch {
      return filler;
    }
  }
}

async function readAll({ reader, writer }: ReturnType<typeof open>) {
  await writer.whenWritten();
  const entries = [];
  for (let entry = reader.read(); entry; entry = reader.read()) entries.push(entry);
  return entries;
}

describe('datagram journal', () => {
  it('gives batches back in the order they came, across segment files', async () => {
    const dir = tempDir();
    const journal = open(dir, { segmentBytes: 1000 });
    for (let i = 0; i < 10; i++) expect(journal.writer.append(batchOf(i, 300 + i), i + 1)).toBeUndefined();
    const entries = await readAll(journal);
    expect(entries.map((e) => fillOf(e.buffer))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(entries.map((e) => e.buffer.byteLength)).toEqual([
      300, 301, 302, 303, 304, 305, 306, 307, 308, 309,
    ]);
    expect(entries.map((e) => e.packets)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(segmentFiles(dir).length).toBeGreaterThan(2);
    expect(journal.reader.bytes).toBeGreaterThan(3000);
    for (const _ of entries) journal.release();
    expect(journal.reader.bytes).toBe(0);
  });

  it('reads what is written while it reads, never past a whole entry', async () => {
    const journal = open(tempDir(), { segmentBytes: 500 });
    journal.writer.append(batchOf(1, 300), 1);
    expect(journal.reader.read()).toBeUndefined();
    await journal.writer.whenWritten();
    expect(fillOf(journal.reader.read()?.buffer as ArrayBuffer)).toBe(1);
    expect(journal.reader.read()).toBeUndefined();
    journal.writer.append(batchOf(2, 300), 1);
    journal.writer.append(batchOf(3, 300), 1);
    expect((await readAll(journal)).map((e) => fillOf(e.buffer))).toEqual([2, 3]);
  });

  it('deletes a segment once everything in it is released, and tells the writer the bytes it freed', async () => {
    const dir = tempDir();
    const journal = open(dir, { segmentBytes: 300, maxBytes: 5 * 408 });
    for (let i = 0; i < 4; i++) journal.writer.append(batchOf(i, 400), 1);
    await readAll(journal);
    expect(segmentFiles(dir)).toHaveLength(4);
    journal.release();
    // The first segment is written entirely, but the position is still inside it.
    expect(segmentFiles(dir)).toHaveLength(4);
    journal.release();
    journal.release();
    expect(segmentFiles(dir)).toHaveLength(2);
    expect(journal.reader.diskBytes).toBe(2 * 408);
    expect(journal.reader.bytes).toBe(408);
    // Four entries fit again in the five-entry bound, a fifth does not.
    for (let i = 0; i < 3; i++) expect(journal.writer.append(batchOf(9, 400), 1)).toBeUndefined();
    expect(journal.writer.append(batchOf(9, 400), 1)).toBe('journal_full');
  });

  it('refuses batches beyond its size bound and while too many wait for the disk', async () => {
    const bounded = open(tempDir(), { maxBytes: 1000 });
    expect(bounded.writer.append(batchOf(1, 600), 1)).toBeUndefined();
    expect(bounded.writer.append(batchOf(2, 600), 1)).toBeUndefined();
    expect(bounded.writer.append(batchOf(3, 600), 1)).toBe('journal_full');
    await bounded.writer.whenWritten();
    expect(bounded.reader.diskBytes).toBe(2 * 608);

    const slowDisk = open(tempDir(), { maxPendingBytes: 1000 });
    expect(slowDisk.writer.append(batchOf(1, 600), 1)).toBeUndefined();
    expect(slowDisk.writer.append(batchOf(2, 600), 1)).toBeUndefined();
    expect(slowDisk.writer.append(batchOf(3, 600), 1)).toBe('disk_slow');
    await slowDisk.writer.whenWritten();
    expect(slowDisk.writer.append(batchOf(4, 600), 1)).toBeUndefined();
  });

  it('hands the next run everything after the last released entry, within a segment and across them', async () => {
    const dir = tempDir();
    const before = open(dir, { segmentBytes: 1000 });
    for (let i = 0; i < 6; i++) before.writer.append(batchOf(i, 300), 1);
    expect(await readAll(before)).toHaveLength(6);
    before.release();
    before.release();
    await before.close();
    const after = open(dir, { segmentBytes: 1000 });
    expect(after.reader.bytes).toBe(4 * 308);
    expect((await readAll(after)).map((e) => fillOf(e.buffer))).toEqual([2, 3, 4, 5]);
    after.writer.append(batchOf(9, 10), 1);
    expect((await readAll(after)).map((e) => fillOf(e.buffer))).toEqual([9]);
    for (let i = 0; i < 5; i++) after.release();
    await after.close();
    const third = open(dir, { segmentBytes: 1000 });
    expect(third.reader.bytes).toBe(0);
    expect(third.reader.read()).toBeUndefined();
    third.writer.append(batchOf(7, 10), 1);
    expect((await readAll(third)).map((e) => fillOf(e.buffer))).toEqual([7]);
  });

  it('skips an entry cut short by a crash and counts its bytes', async () => {
    const dir = tempDir();
    const before = open(dir);
    before.writer.append(batchOf(5, 100), 1);
    await before.close();
    const [segment] = segmentFiles(dir);
    // A header announcing 1000 bytes with only 10 behind it, as a write interrupted by a crash leaves it.
    const torn = Buffer.alloc(18);
    torn.writeUInt32LE(1000, 0);
    torn.writeUInt32LE(1, 4);
    appendFileSync(join(dir, segment), torn);
    const after = open(dir);
    after.writer.append(batchOf(6, 50), 1);
    expect((await readAll(after)).map((e) => fillOf(e.buffer))).toEqual([5, 6]);
    expect(after.reader.tornBytes).toBe(18);
  });

  itNeeding(asRoot)(
    'on a full disk drops and reports batches, leaves no torn entry nor a file per failure',
    () =>
      onSmallDisk(256 * 1024, async (dir) => {
        let clock = 0;
        const journal = open(dir, { now: () => clock });
        const accepted: number[] = [];
        const refused: Array<JournalDropReason | undefined> = [];
        for (let i = 0; i < 100; i++) {
          const why = journal.writer.append(batchOf(i, 4000), 1);
          if (why === undefined) accepted.push(i);
          else refused.push(why);
          await journal.writer.whenWritten();
        }
        // The write that found the disk full lost its batch; the next ones were refused without trying for a second.
        expect(journal.lostWhy).toEqual(['disk_full']);
        expect(new Set(refused)).toEqual(new Set(['disk_full']));
        expect(accepted.length + refused.length).toBe(100);
        expect(segmentFiles(dir)).toEqual(['000000000000.batches']);
        // The failed write was cut back out of the file: it holds whole entries only.
        const entries = await readAll(journal);
        expect(entries.length).toBe(accepted.length - 1);
        expect(statSync(join(dir, '000000000000.batches')).size).toBe(entries.length * 4008);
        expect(entries.map((e) => fillOf(e.buffer))).toEqual(accepted.slice(0, -1));

        // A second later it tries again, in a new file (the full one goes once written), fails, and keeps that file.
        for (let retry = 0; retry < 3; retry++) {
          clock += 1000;
          expect(journal.writer.append(batchOf(1, 4000), 1)).toBeUndefined();
          await journal.writer.whenWritten();
        }
        expect(journal.lostWhy).toEqual(['disk_full', 'disk_full', 'disk_full', 'disk_full']);
        expect(segmentFiles(dir)).toEqual(['000000000000.batches', '000000000001.batches']);

        // The cursor cannot be saved on the full disk: reported, not thrown. Once every entry is written the full
        // segment is deleted, and the disk has room again.
        journal.release();
        expect(journal.troubles.map((t) => t.type)).toEqual(['cursor-not-saved']);
        for (const _ of entries.slice(1)) journal.release();
        expect(segmentFiles(dir)).toEqual(['000000000001.batches']);
        clock += 1000;
        expect(journal.writer.append(batchOf(7, 4000), 1)).toBeUndefined();
        expect((await readAll(journal)).map((e) => fillOf(e.buffer))).toEqual([7]);
        await journal.close();
        expect(journal.lost).toHaveLength(4);

        // The next run finds the unwritten entry whole, after the cursor saved at the end.
        const after = open(dir);
        expect(after.reader.bytes).toBe(4008);
        expect((await readAll(after)).map((e) => fillOf(e.buffer))).toEqual([7]);
        after.release();
        await after.close();
        expect(after.reader.tornBytes).toBe(0);
      }),
  );

  itNeeding(asRoot)('saves its cursor again once the disk has room', () =>
    onSmallDisk(128 * 1024, async (dir) => {
      const journal = open(dir);
      for (let i = 0; i < 3; i++) journal.writer.append(batchOf(i, 1000), 1);
      expect(await readAll(journal)).toHaveLength(3);
      const filler = fillDisk(dir);
      journal.release();
      expect(journal.troubles.map((t) => t.type)).toEqual(['cursor-not-saved']);
      unlinkSync(filler);
      journal.release();
      await journal.close();
      expect(JSON.parse(readFileSync(join(dir, 'written.json'), 'utf8'))).toEqual({ seq: 0, offset: 2016 });
      expect(readdirSync(dir).sort()).toEqual(['000000000000.batches', 'written.json']);
    }),
  );

  it('refuses batches while free space is below its floor, and writes nothing', async () => {
    const dir = tempDir();
    const journal = open(dir, { minFreeBytes: Number.MAX_SAFE_INTEGER });
    expect(journal.writer.append(batchOf(1, 100), 1)).toBe('disk_full');
    await journal.close();
    expect(segmentFiles(dir)).toHaveLength(0);
  });

  it('reads the journal from its start when the cursor is torn, and deletes empty segment files', async () => {
    const dir = tempDir();
    const before = open(dir, { segmentBytes: 200 });
    for (let i = 0; i < 3; i++) before.writer.append(batchOf(i, 300), 1);
    await before.close();
    writeFileSync(join(dir, 'written.json'), '{"seq":2,"off');
    writeFileSync(join(dir, 'written.json.tmp'), '{"seq":2,"offset":3');
    // Files a writer opened and could not write to, as older versions left them by the thousand.
    for (const seq of [3, 4, 5]) writeFileSync(join(dir, `00000000000${seq}.batches`), '');
    const after = open(dir);
    expect(after.reader.cursorUnreadable).toBe(true);
    expect(segmentFiles(dir)).toHaveLength(3);
    expect(readdirSync(dir)).not.toContain('written.json.tmp');
    expect(after.reader.nextSeq).toBe(6);
    expect((await readAll(after)).map((e) => fillOf(e.buffer))).toEqual([0, 1, 2]);
    for (let i = 0; i < 3; i++) after.release();
    await after.close();
    const third = open(dir);
    expect(third.reader.cursorUnreadable).toBe(false);
    expect(third.reader.bytes).toBe(0);
  });

  it('marks a quarantined entry when it is read again, and forgets it once it is behind the written position', async () => {
    const dir = tempDir();
    const first = open(dir);
    for (let i = 0; i < 4; i++) first.writer.append(batchOf(i, 100), 1);
    const entries = await readAll(first);
    first.release();
    // A worker died on the second entry while it also had the third: both are read again, the second marked.
    first.reader.quarantine(entries[1].position);
    first.reader.rewind(entries[1].position);
    const again = await readAll(first);
    expect(again.map((e) => [fillOf(e.buffer), e.quarantined])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    await first.close();

    // The next run starts at the second entry (the written position): it is still quarantined there.
    const second = open(dir);
    expect((await readAll(second)).map((e) => [fillOf(e.buffer), e.quarantined])).toEqual([
      [1, true],
      [2, false],
      [3, false],
    ]);
    for (let i = 0; i < 3; i++) second.release();
    await second.close();
    open(dir).reader.close();
    expect(JSON.parse(readFileSync(join(dir, 'quarantine.json'), 'utf8'))).toEqual([]);
  });
});
