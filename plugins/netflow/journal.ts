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
  writevSync,
} from 'node:fs';
import { join } from 'node:path';

/** Each entry: byte length (u32 LE), datagram count (u32 LE), then the packed batch (see `datagram-batch.ts`). */
const ENTRY_HEADER = 8;
const SUFFIX = '.batches';
const CURSOR = 'written.json';
/** The written position is saved at most this often while entries are released, and at `close`. */
const CURSOR_INTERVAL_MS = 1000;

export interface JournalOptions {
  /** Bytes on disk beyond which `append` refuses batches. */
  maxBytes: number;
  /** A segment file is closed for writing once it holds this much. Default 64 MiB. */
  segmentBytes?: number;
}

export interface JournalEntry {
  buffer: ArrayBuffer;
  packets: number;
}

interface Segment {
  seq: number;
  path: string;
  /** Bytes written; all of it is readable, writes being synchronous. */
  size: number;
  sealed: boolean;
}

interface Position {
  seq: number;
  offset: number;
}

/**
 * Every datagram batch of the UDP collector, on disk in arrival order, from the socket to the decode worker: a
 * burst or a slow output then costs disk space instead of lost datagrams, and a collector that is stopped or
 * killed decodes on restart everything that was not yet written. Entries are released in the order they were
 * read (the pipeline reports writes in emit order); the written position is saved to `written.json` and a
 * segment file is deleted once it is behind it. A restart re-reads from the saved position, which may be up to
 * `CURSOR_INTERVAL_MS` old: the same documents are then written again under the same ids. Writes go to the page
 * cache without fsync: a process crash loses nothing, a power cut may lose the tail.
 */
export class DatagramJournal {
  private readonly segments: Segment[] = [];
  private readonly segmentBytes: number;
  private readonly cursorFile: string;
  private writeFd: number | undefined;
  private readFd: number | undefined;
  /** Where the next `read` starts. */
  private reading: Position;
  /** The end of each entry read but not yet released, oldest first. */
  private readonly unreleased: Position[] = [];
  private written: Position;
  private savedAt = 0;
  private nextSeq = 0;
  private held = 0;
  /** Bytes of entries cut short by a crash during a write, skipped when read back. */
  tornBytes = 0;

  constructor(
    private readonly dir: string,
    private readonly options: JournalOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.cursorFile = join(dir, CURSOR);
    mkdirSync(dir, { recursive: true });
    const cursor = this.loadCursor();
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
      this.segments.push({ seq, path, size, sealed: true });
      this.held += size;
      this.nextSeq = seq + 1;
    }
    // New segments must sort after the saved position even when every older file is gone.
    this.nextSeq = Math.max(this.nextSeq, cursor.seq);
    const first = this.segments[0];
    this.reading = first?.seq === cursor.seq ? { ...cursor } : { seq: first?.seq ?? 0, offset: 0 };
    this.written = { ...this.reading };
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

  /** Bytes of segment files on disk, which `maxBytes` bounds. */
  get diskBytes(): number {
    return this.held;
  }

  /** False when the journal already holds `maxBytes`: the caller drops the batch and counts it. */
  append(buffer: ArrayBuffer, packets: number): boolean {
    if (this.held >= this.options.maxBytes) return false;
    let segment = this.segments.at(-1);
    if (!segment || segment.sealed || segment.size >= this.segmentBytes) {
      this.sealWriter();
      segment = this.openSegment();
    }
    const header = Buffer.allocUnsafe(ENTRY_HEADER);
    header.writeUInt32LE(buffer.byteLength, 0);
    header.writeUInt32LE(packets, 4);
    writevSync(this.writeFd as number, [header, new Uint8Array(buffer)]);
    const length = ENTRY_HEADER + buffer.byteLength;
    segment.size += length;
    this.held += length;
    return true;
  }

  /** The oldest entry not read yet, or undefined when everything was read. */
  read(): JournalEntry | undefined {
    for (;;) {
      const segment = this.segments.find((s) => s.seq === this.reading.seq) ?? this.segments.at(-1);
      if (!segment) return undefined;
      if (segment.seq !== this.reading.seq) this.reading = { seq: segment.seq, offset: 0 };
      const left = segment.size - this.reading.offset;
      if (left === 0) {
        if (!segment.sealed) return undefined;
        const next = this.segments[this.segments.indexOf(segment) + 1];
        if (!next) return undefined;
        this.closeReader();
        this.reading = { seq: next.seq, offset: 0 };
        continue;
      }
      this.readFd ??= openSync(segment.path, 'r');
      const header = Buffer.allocUnsafe(ENTRY_HEADER);
      const got =
        left >= ENTRY_HEADER ? readSync(this.readFd, header, 0, ENTRY_HEADER, this.reading.offset) : 0;
      const length = got === ENTRY_HEADER ? header.readUInt32LE(0) : Number.POSITIVE_INFINITY;
      if (ENTRY_HEADER + length > left) {
        // Only a segment left by a crash can end inside an entry; nothing follows it there.
        this.tornBytes += left;
        this.reading = { seq: segment.seq, offset: segment.size };
        continue;
      }
      const body = Buffer.allocUnsafeSlow(length);
      readSync(this.readFd, body, 0, length, this.reading.offset + ENTRY_HEADER);
      this.reading = { seq: segment.seq, offset: this.reading.offset + ENTRY_HEADER + length };
      this.unreleased.push({ ...this.reading });
      return { buffer: body.buffer as ArrayBuffer, packets: header.readUInt32LE(4) };
    }
  }

  /** The oldest entry read but not released is written: segments behind it go. */
  release(): void {
    const end = this.unreleased.shift();
    if (!end) return;
    this.written = end;
    while (this.segments.length > 0 && this.segments[0].seq < end.seq) {
      const [done] = this.segments.splice(0, 1);
      unlinkSync(done.path);
      this.held -= done.size;
    }
    if (Date.now() - this.savedAt >= CURSOR_INTERVAL_MS) this.saveCursor();
  }

  /** Saves the written position and closes the files; what is not written yet is read again by the next run. */
  close(): void {
    this.sealWriter();
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

  private saveCursor(): void {
    this.savedAt = Date.now();
    const temporary = `${this.cursorFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.written));
    renameSync(temporary, this.cursorFile);
  }

  private openSegment(): Segment {
    const seq = this.nextSeq++;
    const path = join(this.dir, `${String(seq).padStart(12, '0')}${SUFFIX}`);
    this.writeFd = openSync(path, 'wx');
    const segment: Segment = { seq, path, size: 0, sealed: false };
    this.segments.push(segment);
    return segment;
  }

  private sealWriter(): void {
    if (this.writeFd !== undefined) closeSync(this.writeFd);
    this.writeFd = undefined;
    const segment = this.segments.at(-1);
    if (segment) segment.sealed = true;
  }

  private closeReader(): void {
    if (this.readFd !== undefined) closeSync(this.readFd);
    this.readFd = undefined;
  }
}
