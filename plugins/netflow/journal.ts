import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  unlinkSync,
  writev,
} from 'node:fs';
import { join } from 'node:path';
import { FreeSpace, writeFileAtomic } from '../../src/util/disk.js';

/**
 * The datagram journal: every batch of the UDP collector, on disk in arrival order, between the thread that reads
 * the socket (which appends, `JournalWriter`) and the decode worker (fed by `JournalReader` on the thread that owns
 * the pipeline). A burst or a slow output then costs disk space instead of lost datagrams, and a collector that is
 * stopped or killed decodes on restart everything that was not yet written. Entries are released in the order they
 * were read (the pipeline reports writes in emit order); the written position is saved to `written.json` and a
 * segment file is deleted once it is behind it. A restart re-reads from the saved position, which may be up to
 * `CURSOR_INTERVAL_MS` old: the same documents are then written again under the same ids. Writes go to the page
 * cache without fsync: a process crash loses nothing, a power cut may lose the tail.
 *
 * A full or failing disk costs datagrams, never the process: the writer refuses batches (the caller drops and counts
 * them) beyond `maxBytes`, below `minFreeBytes` of free space, and for `RETRY_AFTER_MS` after a failed write, which it
 * cuts back out of its segment; it then closes that segment, so that the reader deletes it once its entries are
 * written and the disk has room again. The reader goes on when the cursor cannot be saved (it is saved again later: a
 * restart meanwhile re-reads, under the same ids) and reads a torn segment or cursor as far as it goes.
 */

/** Each entry: byte length (u32 LE), datagram count (u32 LE), then the packed batch (see `datagram-batch.ts`). */
const ENTRY_HEADER = 8;
const SUFFIX = '.batches';
const CURSOR = 'written.json';
/** Positions of entries a decode worker died on (see `JournalReader.quarantine`). */
const QUARANTINE = 'quarantine.json';
/** The written position is saved at most this often while entries are released, and at `close`. */
const CURSOR_INTERVAL_MS = 1000;

/** Entries written by one system call at most. */
const WRITE_ENTRIES = 64;
/**
 * After a failed write, batches are refused this long before the disk is tried again: a full disk then costs one
 * failed system call a second, not one per batch.
 */
const RETRY_AFTER_MS = 1000;

/** Why the journal refused or lost a batch. */
export type JournalDropReason =
  /** `maxBytes` reached: the outputs have been behind for long. */
  | 'journal_full'
  /** The disk is full (ENOSPC, EDQUOT) or its free space is below `minFreeBytes`. */
  | 'disk_full'
  /** Any other write error (EIO, ...). */
  | 'disk_error'
  /** More than `maxPendingBytes` waits to be written: the disk is not keeping up. */
  | 'disk_slow';

const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

function dropReasonOf(err: Error): JournalDropReason {
  return DISK_FULL_CODES.has((err as NodeJS.ErrnoException).code ?? '') ? 'disk_full' : 'disk_error';
}

const segmentPath = (dir: string, seq: number) => join(dir, `${String(seq).padStart(12, '0')}${SUFFIX}`);

export interface JournalWriterOptions {
  /** Bytes on disk (`heldBytes` at start, plus appended, minus `freed`) beyond which `append` refuses batches. */
  maxBytes: number;
  /** Appended batches not yet in the file beyond which `append` refuses them: the disk is not keeping up. */
  maxPendingBytes: number;
  /** Free space on the journal's file system below which `append` refuses batches. Default 0: none. */
  minFreeBytes?: number;
  /** A segment file is closed for writing once it holds this much. Default 64 MiB. */
  segmentBytes?: number;
  /** The first segment to write (`JournalReader.nextSeq`) and the bytes already on disk. */
  nextSeq: number;
  heldBytes: number;
  /** An entry of `length` bytes is in segment `seq` and can be read. */
  onWritten: (seq: number, length: number) => void;
  /** Segment `seq` is closed for writing before it is full: it may be deleted as soon as its entries are written. */
  onSealed?: (seq: number) => void;
  /** A batch could not be written (disk full, I/O error): it is lost, and the caller counts it. */
  onLost: (buffer: ArrayBuffer, reason: JournalDropReason, err: Error) => void;
  /** The clock, for tests. */
  now?: () => number;
}

interface Pending {
  buffer: ArrayBuffer;
  packets: number;
}

/**
 * The appending side. Writes are asynchronous, one at a time in order, because a write can stall while the kernel
 * flushes dirty pages and the socket must still be read meanwhile.
 */
export class JournalWriter {
  private readonly segmentBytes: number;
  private fd: number | undefined;
  private seq: number;
  private size = 0;
  private held: number;
  private readonly pending: Pending[] = [];
  private queuedBytes = 0;
  private writing: Promise<void> | undefined;
  private readonly freeSpace: FreeSpace;
  private readonly now: () => number;
  /** After a failed write: why, and until when batches are refused. */
  private failure: { reason: JournalDropReason; until: number } | undefined;

  constructor(
    private readonly dir: string,
    private readonly options: JournalWriterOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.seq = options.nextSeq;
    this.held = options.heldBytes;
    this.freeSpace = new FreeSpace(dir, options.minFreeBytes ?? 0);
    this.now = options.now ?? Date.now;
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Queues a batch; returns undefined, or why it refuses it (the caller drops it and counts it): the journal is
   * full, the disk full or failing, or behind.
   */
  append(buffer: ArrayBuffer, packets: number): JournalDropReason | undefined {
    if (this.held + this.queuedBytes >= this.options.maxBytes) return 'journal_full';
    if (this.queuedBytes >= this.options.maxPendingBytes) return 'disk_slow';
    const now = this.now();
    if (this.failure && now < this.failure.until) return this.failure.reason;
    this.failure = undefined;
    if (!this.freeSpace.enough(now)) return 'disk_full';
    this.pending.push({ buffer, packets });
    this.queuedBytes += ENTRY_HEADER + buffer.byteLength;
    this.writing ??= this.writePending();
    return undefined;
  }

  /** Bytes appended and not yet in the file. */
  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** The reader deleted segments of this many bytes. */
  freed(bytes: number): void {
    this.held -= bytes;
  }

  /** Resolves once every batch appended so far is in the file (or lost and reported). */
  async whenWritten(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Writes what is queued, then closes the segment file (and deletes it if nothing could be written to it). */
  async close(): Promise<void> {
    await this.whenWritten();
    const empty = this.fd !== undefined && this.size === 0 ? segmentPath(this.dir, this.seq) : undefined;
    this.closeSegment();
    if (empty) rmSync(empty, { force: true });
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      if (this.fd === undefined || this.size >= this.segmentBytes) {
        try {
          this.openSegment();
        } catch (err) {
          this.failed(this.takePending(), err as Error);
          continue;
        }
      }
      // One system call for what queued up while the previous write ran, within the segment's size.
      const entries: Pending[] = [];
      let length = 0;
      while (
        this.pending.length > 0 &&
        entries.length < WRITE_ENTRIES &&
        this.size + length < this.segmentBytes
      ) {
        const entry = this.pending.shift() as Pending;
        entries.push(entry);
        length += ENTRY_HEADER + entry.buffer.byteLength;
      }
      const parts: Uint8Array[] = [];
      for (const entry of entries) {
        const header = Buffer.allocUnsafe(ENTRY_HEADER);
        header.writeUInt32LE(entry.buffer.byteLength, 0);
        header.writeUInt32LE(entry.packets, 4);
        parts.push(header, new Uint8Array(entry.buffer));
      }
      const seq = this.seq;
      try {
        const written = await new Promise<number>((resolve, reject) =>
          writev(this.fd as number, parts, (err, bytes) => (err ? reject(err) : resolve(bytes))),
        );
        if (written !== length) {
          // A regular file takes fewer bytes than asked only when the disk (or quota) has no room for more.
          throw Object.assign(new Error(`short write: ${written} of ${length} bytes`), { code: 'ENOSPC' });
        }
        this.size += length;
        this.held += length;
        this.queuedBytes -= length;
        for (const entry of entries) this.options.onWritten(seq, ENTRY_HEADER + entry.buffer.byteLength);
      } catch (err) {
        this.queuedBytes -= length;
        this.cutBack();
        // What queued behind a failed write would most likely fail too.
        this.failed([...entries, ...this.takePending()], err as Error);
      }
    }
    this.writing = undefined;
  }

  /** Everything queued, taken out of the queue. */
  private takePending(): Pending[] {
    const taken = this.pending.splice(0);
    for (const entry of taken) this.queuedBytes -= ENTRY_HEADER + entry.buffer.byteLength;
    return taken;
  }

  /** Reports `lost` as lost and refuses batches for a while. */
  private failed(lost: Pending[], err: Error): void {
    const reason = dropReasonOf(err);
    this.failure = { reason, until: this.now() + RETRY_AFTER_MS };
    for (const entry of lost) this.options.onLost(entry.buffer, reason, err);
  }

  /**
   * After a failed write: removes what it left past the last whole entry, then closes the segment if it holds
   * entries, so that the reader deletes it once they are written, which gives a full disk its space back. An empty
   * one is kept for the next try: a new file per failed write would pile up. Should the cut fail, the segment is
   * closed all the same; the reader knows its whole entries and reads no further.
   */
  private cutBack(): void {
    if (this.fd === undefined) return;
    let cut = true;
    try {
      ftruncateSync(this.fd, this.size);
    } catch {
      cut = false;
    }
    if (cut && this.size === 0) return;
    const seq = this.seq;
    this.closeSegment();
    this.options.onSealed?.(seq);
  }

  private openSegment(): void {
    this.closeSegment();
    this.fd = openSync(segmentPath(this.dir, this.seq), 'wx');
    this.size = 0;
  }

  private closeSegment(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Nothing is lost: every entry was written, or reported lost, before.
    }
    this.fd = undefined;
    // A closed segment is never written again, so the next one needs a new number.
    this.size = this.segmentBytes;
    this.seq++;
  }
}

interface Segment {
  seq: number;
  path: string;
  /** Bytes known to be written completely. */
  size: number;
}

/** Where an entry starts: its segment and the byte offset in it. */
export interface JournalPosition {
  seq: number;
  offset: number;
}

type Position = JournalPosition;

export interface JournalEntry {
  buffer: ArrayBuffer;
  packets: number;
  position: JournalPosition;
  /** A decode worker died on this entry in an earlier run: it must not be decoded again. */
  quarantined: boolean;
}

/** `000000000003:4096`: a journal position as logs and dead letters give it. */
export function describePosition(position: JournalPosition): string {
  return `${String(position.seq).padStart(12, '0')}:${position.offset}`;
}

/** What the reader could not do on disk; it goes on, and says so here. */
export type JournalReaderTrouble =
  /** The cursor could not be saved: it is saved again later, and a restart meanwhile re-reads from an older one. */
  | { type: 'cursor-not-saved'; err: Error }
  /** The list of entries a decode worker died on could not be saved; this run skips them all the same. */
  | { type: 'quarantine-not-saved'; err: Error }
  /** A segment behind the cursor could not be deleted; the next start deletes it. */
  | { type: 'segment-not-deleted'; path: string; err: Error }
  /** Bytes of a segment that could not be read as whole entries (torn by a crash, or an I/O error) were skipped. */
  | { type: 'unreadable'; path: string; bytes: number; err?: Error };

export interface JournalReaderOptions {
  onTrouble?: (trouble: JournalReaderTrouble) => void;
}

/** The reading side, which also keeps the written position and deletes what is behind it. */
export class JournalReader {
  private readonly segments: Segment[] = [];
  private readonly cursorFile: string;
  private readonly quarantineFile: string;
  private quarantined: JournalPosition[];
  private readFd: number | undefined;
  private reading: Position;
  /** The end of each entry read but not yet released, oldest first. */
  private readonly unreleased: Position[] = [];
  private written: Position;
  private savedAt = 0;
  private held = 0;
  /** Segments up to this one are closed for writing: once read and released to their end, they can go. */
  private sealedThrough: number;
  private readonly onTrouble: (trouble: JournalReaderTrouble) => void;
  /** The segment number a writer starts at: after every file found and the saved position. */
  readonly nextSeq: number;
  /** Bytes of entries cut short by a crash during a write, or unreadable, skipped when read back. */
  tornBytes = 0;
  /**
   * The saved cursor could not be read (cut short, or not JSON): the journal is read from its first segment, and
   * what was written already is written again under the same ids.
   */
  readonly cursorUnreadable: boolean;

  constructor(
    private readonly dir: string,
    options: JournalReaderOptions = {},
  ) {
    this.onTrouble = options.onTrouble ?? (() => {});
    this.cursorFile = join(dir, CURSOR);
    this.quarantineFile = join(dir, QUARANTINE);
    mkdirSync(dir, { recursive: true });
    rmSync(`${this.cursorFile}.tmp`, { force: true });
    const cursor = this.loadCursor();
    this.cursorUnreadable = cursor === undefined;
    const start = cursor ?? { seq: 0, offset: 0 };
    // The saved position's segment may be gone (deleted once written): its number is never used again.
    let next = cursor ? start.seq + 1 : 0;
    const names = readdirSync(dir)
      .filter((name) => name.endsWith(SUFFIX))
      .sort();
    for (const name of names) {
      const seq = Number.parseInt(name, 10);
      const path = join(dir, name);
      next = Math.max(next, seq + 1);
      const size = statSync(path).size;
      // Behind the cursor, or empty (a run that could not write to it): nothing to read.
      if (seq < start.seq || size === 0) {
        this.unlink(path);
        continue;
      }
      this.segments.push({ seq, path, size });
      this.held += size;
    }
    this.nextSeq = next;
    this.sealedThrough = next - 1;
    const first = this.segments[0];
    this.reading = first?.seq === start.seq ? { ...start } : { seq: first?.seq ?? next, offset: 0 };
    this.written = { ...this.reading };
    // Entries behind the written position are never read again: their quarantine is over.
    const listed = this.loadQuarantine();
    this.quarantined = listed.filter((p) => !this.behindWritten(p));
    if (this.quarantined.length !== listed.length) this.saveQuarantine();
  }

  /**
   * A decode worker died while it had the entry at `position`: the next run skips it instead of dying on it in
   * turn. Saved at once, since the process may be about to exit.
   */
  quarantine(position: JournalPosition): void {
    if (this.isQuarantined(position)) return;
    this.quarantined.push({ seq: position.seq, offset: position.offset });
    this.saveQuarantine();
  }

  /** Bytes of segment files on disk. */
  get diskBytes(): number {
    return this.held;
  }

  /** Bytes of entries not yet known to be written: not read yet, or read and still on their way. */
  get bytes(): number {
    let pending = 0;
    for (const segment of this.segments) {
      if (segment.seq > this.written.seq) pending += segment.size;
      else if (segment.seq === this.written.seq) pending += segment.size - this.written.offset;
    }
    return pending;
  }

  /** The writer put an entry of `length` bytes into segment `seq`. */
  appended(seq: number, length: number): void {
    let segment = this.segments.at(-1);
    if (segment?.seq !== seq) {
      segment = { seq, path: segmentPath(this.dir, seq), size: 0 };
      this.segments.push(segment);
    }
    segment.size += length;
    this.held += length;
  }

  /** The oldest entry not read yet, or undefined when everything written so far was read. */
  read(): JournalEntry | undefined {
    for (;;) {
      const at = this.segments.findIndex((s) => s.seq >= this.reading.seq);
      const segment = this.segments[at];
      if (!segment) return undefined;
      if (segment.seq !== this.reading.seq) {
        this.closeReader();
        this.reading = { seq: segment.seq, offset: 0 };
      }
      const left = segment.size - this.reading.offset;
      if (left === 0) {
        // Later segments exist only once this one is closed for writing.
        if (at === this.segments.length - 1) return undefined;
        this.reading = { seq: this.segments[at + 1].seq, offset: 0 };
        this.closeReader();
        continue;
      }
      try {
        const entry = this.readEntry(segment, left);
        if (entry) return entry;
        // Only a file left by a crash can end inside an entry (sizes of live segments count whole entries only).
        this.skip(segment, left);
      } catch (err) {
        this.closeReader();
        this.skip(segment, left, err as Error);
      }
    }
  }

  /**
   * Reads again from `position`, an entry read but not released: what was read from there on went to a decode
   * worker that died, and a new one gets it (the quarantined entry among it is skipped).
   */
  rewind(position: JournalPosition): void {
    const at = this.unreleased.findIndex(
      (end) => end.seq > position.seq || (end.seq === position.seq && end.offset > position.offset),
    );
    if (at >= 0) this.unreleased.splice(at);
    this.closeReader();
    this.reading = { seq: position.seq, offset: position.offset };
  }

  /** The oldest entry read but not released is written. Returns the bytes of the segment files this deleted. */
  release(): number {
    const end = this.unreleased.shift();
    if (!end) return 0;
    this.written = end;
    // Deleted before the cursor is saved, so that a full disk has room for it: a restart that finds the saved
    // cursor's segment gone reads from the first one left.
    const freed = this.deleteWritten();
    if (Date.now() - this.savedAt >= CURSOR_INTERVAL_MS) this.saveCursor();
    return freed;
  }

  /** The writer closed segment `seq` early (see `JournalWriterOptions.onSealed`). Returns the bytes this deleted. */
  sealed(seq: number): number {
    this.sealedThrough = Math.max(this.sealedThrough, seq);
    return this.deleteWritten();
  }

  /** Deletes the segments every entry of which is written; returns their bytes. */
  private deleteWritten(): number {
    let freed = 0;
    for (;;) {
      const first = this.segments[0];
      if (first === undefined) break;
      const behind = first.seq < this.written.seq;
      const finished =
        first.seq === this.written.seq &&
        first.seq <= this.sealedThrough &&
        this.written.offset >= first.size;
      if (!behind && !finished) break;
      this.segments.shift();
      if (first.seq === this.reading.seq) this.closeReader();
      if (this.unlink(first.path)) freed += first.size;
    }
    this.held -= freed;
    return freed;
  }

  /** Saves the written position and closes the file; what is not written yet is read again by the next run. */
  close(): void {
    this.closeReader();
    this.saveCursor();
  }

  /** The entry at the reading position, or undefined when the segment ends inside it. */
  private readEntry(segment: Segment, left: number): JournalEntry | undefined {
    this.readFd ??= openSync(segment.path, 'r');
    const header = Buffer.allocUnsafe(ENTRY_HEADER);
    const got =
      left >= ENTRY_HEADER ? readSync(this.readFd, header, 0, ENTRY_HEADER, this.reading.offset) : 0;
    const length = got === ENTRY_HEADER ? header.readUInt32LE(0) : Number.POSITIVE_INFINITY;
    if (ENTRY_HEADER + length > left) return undefined;
    const body = Buffer.allocUnsafeSlow(length);
    if (readSync(this.readFd, body, 0, length, this.reading.offset + ENTRY_HEADER) !== length)
      return undefined;
    const position = { ...this.reading };
    this.reading = { seq: segment.seq, offset: this.reading.offset + ENTRY_HEADER + length };
    this.unreleased.push({ ...this.reading });
    return {
      buffer: body.buffer as ArrayBuffer,
      packets: header.readUInt32LE(4),
      position,
      quarantined: this.quarantined.length > 0 && this.isQuarantined(position),
    };
  }

  /** Counts the `left` bytes of the segment from the reading position as unreadable and moves past them. */
  private skip(segment: Segment, left: number, err?: Error): void {
    this.tornBytes += left;
    this.reading = { seq: segment.seq, offset: segment.size };
    this.onTrouble({ type: 'unreadable', path: segment.path, bytes: left, err });
  }

  /** Whether the file is gone. */
  private unlink(path: string): boolean {
    try {
      unlinkSync(path);
      return true;
    } catch (err) {
      this.onTrouble({ type: 'segment-not-deleted', path, err: err as Error });
      return false;
    }
  }

  /** The saved position: null when there is none (a first run), undefined when it cannot be read. */
  private loadCursor(): Position | null | undefined {
    let text: string;
    try {
      text = readFileSync(this.cursorFile, 'utf8');
    } catch {
      return null;
    }
    try {
      const { seq, offset } = JSON.parse(text) as Position;
      if (Number.isSafeInteger(seq) && Number.isSafeInteger(offset)) return { seq, offset };
    } catch {
      // Cut short or not ours: reported as `cursorUnreadable`.
    }
    return undefined;
  }

  private isQuarantined(position: JournalPosition): boolean {
    return this.quarantined.some((p) => p.seq === position.seq && p.offset === position.offset);
  }

  private behindWritten(position: JournalPosition): boolean {
    const { written } = this;
    return position.seq < written.seq || (position.seq === written.seq && position.offset < written.offset);
  }

  private loadQuarantine(): JournalPosition[] {
    try {
      const list = JSON.parse(readFileSync(this.quarantineFile, 'utf8')) as JournalPosition[];
      return Array.isArray(list)
        ? list.filter((p) => Number.isSafeInteger(p?.seq) && Number.isSafeInteger(p?.offset))
        : [];
    } catch {
      // None yet, the usual case.
      return [];
    }
  }

  private saveQuarantine(): void {
    try {
      writeFileAtomic(this.quarantineFile, JSON.stringify(this.quarantined));
    } catch (err) {
      // This run still skips the entries; only a restart before the next save would meet them again.
      this.onTrouble({ type: 'quarantine-not-saved', err: err as Error });
    }
  }

  private saveCursor(): void {
    this.savedAt = Date.now();
    try {
      writeFileAtomic(this.cursorFile, JSON.stringify(this.written));
    } catch (err) {
      // `savedAt` is set: the next release after `CURSOR_INTERVAL_MS` (or `close`) tries again.
      this.onTrouble({ type: 'cursor-not-saved', err: err as Error });
    }
  }

  private closeReader(): void {
    if (this.readFd !== undefined) {
      try {
        closeSync(this.readFd);
      } catch {
        // Opened only to read: nothing to lose.
      }
    }
    this.readFd = undefined;
  }
}
