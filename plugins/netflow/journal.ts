import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writev,
} from 'node:fs';
import { join } from 'node:path';

/**
 * The datagram journal: every batch of the UDP collector, on disk in arrival order, between the thread that reads
 * the socket (which appends, `JournalWriter`) and the decode worker (fed by `JournalReader` on the thread that owns
 * the pipeline). A burst or a slow output then costs disk space instead of lost datagrams, and a collector that is
 * stopped or killed decodes on restart everything that was not yet written. Entries are released in the order they
 * were read (the pipeline reports writes in emit order); the written position is saved to `written.json` and a
 * segment file is deleted once it is behind it. A restart re-reads from the saved position, which may be up to
 * `CURSOR_INTERVAL_MS` old: the same documents are then written again under the same ids. Writes go to the page
 * cache without fsync: a process crash loses nothing, a power cut may lose the tail.
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

const segmentPath = (dir: string, seq: number) => join(dir, `${String(seq).padStart(12, '0')}${SUFFIX}`);

export interface JournalWriterOptions {
  /** Bytes on disk (`heldBytes` at start, plus appended, minus `freed`) beyond which `append` refuses batches. */
  maxBytes: number;
  /** Appended batches not yet in the file beyond which `append` refuses them: the disk is not keeping up. */
  maxPendingBytes: number;
  /** A segment file is closed for writing once it holds this much. Default 64 MiB. */
  segmentBytes?: number;
  /** The first segment to write (`JournalReader.nextSeq`) and the bytes already on disk. */
  nextSeq: number;
  heldBytes: number;
  /** An entry of `length` bytes is in segment `seq` and can be read. */
  onWritten: (seq: number, length: number) => void;
  /** A batch could not be written (disk full, I/O error): it is lost, and the caller counts it. */
  onLost: (buffer: ArrayBuffer, err: Error) => void;
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

  constructor(
    private readonly dir: string,
    private readonly options: JournalWriterOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.seq = options.nextSeq;
    this.held = options.heldBytes;
    mkdirSync(dir, { recursive: true });
  }

  /** Queues a batch; false when the journal is full or the disk behind, and the caller drops it and counts it. */
  append(buffer: ArrayBuffer, packets: number): boolean {
    if (this.held + this.queuedBytes >= this.options.maxBytes) return false;
    if (this.queuedBytes >= this.options.maxPendingBytes) return false;
    this.pending.push({ buffer, packets });
    this.queuedBytes += ENTRY_HEADER + buffer.byteLength;
    this.writing ??= this.writePending();
    return true;
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

  /** Writes what is queued, then closes the segment file. */
  async close(): Promise<void> {
    await this.whenWritten();
    this.closeSegment();
  }

  private async writePending(): Promise<void> {
    while (this.pending.length > 0) {
      if (this.fd === undefined || this.size >= this.segmentBytes) this.openSegment();
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
        if (written !== length) throw new Error(`short write: ${written} of ${length} bytes`);
        this.size += length;
        this.held += length;
        this.queuedBytes -= length;
        for (const entry of entries) this.options.onWritten(seq, ENTRY_HEADER + entry.buffer.byteLength);
      } catch (err) {
        this.queuedBytes -= length;
        // What reached the file of a failed write would read as a torn entry: the next write starts a new segment.
        this.closeSegment();
        for (const entry of entries) this.options.onLost(entry.buffer, err as Error);
      }
    }
    this.writing = undefined;
  }

  private openSegment(): void {
    this.closeSegment();
    this.fd = openSync(segmentPath(this.dir, this.seq), 'wx');
    this.size = 0;
  }

  private closeSegment(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
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
  /** The segment number a writer starts at: after every file found and the saved position. */
  readonly nextSeq: number;
  /** Bytes of entries cut short by a crash during a write, skipped when read back. */
  tornBytes = 0;

  constructor(private readonly dir: string) {
    this.cursorFile = join(dir, CURSOR);
    this.quarantineFile = join(dir, QUARANTINE);
    mkdirSync(dir, { recursive: true });
    const cursor = this.loadCursor();
    let next = cursor.seq;
    const names = readdirSync(dir)
      .filter((name) => name.endsWith(SUFFIX))
      .sort();
    for (const name of names) {
      const seq = Number.parseInt(name, 10);
      const path = join(dir, name);
      if (seq < cursor.seq) {
        unlinkSync(path);
        continue;
      }
      const size = statSync(path).size;
      this.segments.push({ seq, path, size });
      this.held += size;
      next = Math.max(next, seq + 1);
    }
    this.nextSeq = next;
    const first = this.segments[0];
    this.reading = first?.seq === cursor.seq ? { ...cursor } : { seq: first?.seq ?? next, offset: 0 };
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
      this.readFd ??= openSync(segment.path, 'r');
      const header = Buffer.allocUnsafe(ENTRY_HEADER);
      const got =
        left >= ENTRY_HEADER ? readSync(this.readFd, header, 0, ENTRY_HEADER, this.reading.offset) : 0;
      const length = got === ENTRY_HEADER ? header.readUInt32LE(0) : Number.POSITIVE_INFINITY;
      if (ENTRY_HEADER + length > left) {
        // Only a file left by a crash can end inside an entry (sizes of live segments count whole entries only).
        this.tornBytes += left;
        this.reading = { seq: segment.seq, offset: segment.size };
        continue;
      }
      const body = Buffer.allocUnsafeSlow(length);
      readSync(this.readFd, body, 0, length, this.reading.offset + ENTRY_HEADER);
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
    let freed = 0;
    while (this.segments.length > 0 && this.segments[0].seq < end.seq) {
      const [done] = this.segments.splice(0, 1);
      unlinkSync(done.path);
      freed += done.size;
    }
    this.held -= freed;
    if (Date.now() - this.savedAt >= CURSOR_INTERVAL_MS) this.saveCursor();
    return freed;
  }

  /** Saves the written position and closes the file; what is not written yet is read again by the next run. */
  close(): void {
    this.closeReader();
    this.saveCursor();
  }

  private loadCursor(): Position {
    try {
      const { seq, offset } = JSON.parse(readFileSync(this.cursorFile, 'utf8')) as Position;
      if (Number.isSafeInteger(seq) && Number.isSafeInteger(offset)) return { seq, offset };
    } catch {
      // No cursor yet (first run), or one cut short: the journal is read from its first segment.
    }
    return { seq: 0, offset: 0 };
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
    const temporary = `${this.quarantineFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.quarantined));
    renameSync(temporary, this.quarantineFile);
  }

  private saveCursor(): void {
    this.savedAt = Date.now();
    const temporary = `${this.cursorFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.written));
    renameSync(temporary, this.cursorFile);
  }

  private closeReader(): void {
    if (this.readFd !== undefined) closeSync(this.readFd);
    this.readFd = undefined;
  }
}
