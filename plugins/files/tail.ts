import { type FSWatcher, watch } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Codec, StreamInfo } from '../../src/codec/types.js';
import { LogThrottle } from '../../src/observability/throttle.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { FINGERPRINT_BYTES } from './fingerprint.js';
import { LineSplitter, type ReadPosition } from './lines.js';
import { LogRecordReader } from './records.js';
import { accepts } from './refuse.js';
import {
  type Candidate,
  findFiles,
  namePattern,
  OpenedFiles,
  prefixFingerprint,
  watchedDirectories,
} from './tail-files.js';
import { PositionStore, type TrackedFile } from './tail-state.js';
import { Wakeup } from './wakeup.js';

export interface TailOptions {
  /** The input's name in metrics and logs. */
  name: string;
  codec: Codec;
  /** Files, directories, or patterns with `*`/`?` in the last component. */
  paths: string[];
  /** Names of the files to read in a directory given in `paths`. */
  include: string[];
  /** Scans run this often even when fs.watch says nothing (it misses events on NFS, in containers…). */
  pollIntervalMs: number;
  /** Where the read positions of this input are kept. */
  stateFile: string;
  localNetworks: LocalNetworks;
  /** Zone of timestamps that carry none (Snort). */
  timezone: string;
  now?: () => number;
}

/** Bytes read per step; one step's records go to the pipeline in one `emit`, so this bounds what is buffered. */
const CHUNK_BYTES = 256 * 1024;
/** A file no scan has found for this long is forgotten (its position too). */
const FORGET_AFTER_MS = 3_600_000;
/** Positions are saved at most this often while records are being written. */
const SAVE_DELAY_MS = 200;
/** After a failed save (a full disk), the positions are saved again this much later even if nothing is read. */
const SAVE_RETRY_MS = 5000;

interface Reader {
  entry: TrackedFile;
  handle: FileHandle;
  dev: number;
  ino: number;
  /** Next byte to read from the file. */
  readOffset: number;
  splitter: LineSplitter;
  records: LogRecordReader;
  /** Offset up to which records were handed to the pipeline. */
  emitted: number;
  /** No configured path leads to the file any more (renamed away, deleted): read to its end, then closed. */
  rotated: boolean;
}

/**
 * Follows the log files of one input. A file is known by the fingerprint of its first bytes (with its
 * device/inode as a hint), so a renamed file, a copytruncate copy or a restart finds its position again, and a
 * truncated file or a reused inode is recognized as new content. Positions advance only when the pipeline says
 * the records before them are written, and are saved to the state file; records get their ids from the
 * fingerprint and the line offset, so what is read again after a crash overwrites nothing and duplicates nothing.
 */
class Tailer {
  private entries: TrackedFile[];
  private readonly readers = new Map<TrackedFile, Reader>();
  /** Files the codec refused; known by content, so a rename does not bring them back. */
  private readonly refused = new Set<TrackedFile>();
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly include: RegExp[];
  private readonly store: PositionStore;
  private readonly now: () => number;
  private readonly wakeup = new Wakeup();
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly saveFailures = new LogThrottle();
  private stopped = false;

  constructor(
    private readonly options: TailOptions,
    private readonly ctx: SourceContext,
  ) {
    this.include = options.include.map(namePattern);
    this.store = new PositionStore(options.stateFile);
    const saved = this.store.load();
    this.entries = saved.files;
    if (saved.unreadable !== undefined)
      ctx.logger.warn(
        { file: saved.unreadable },
        'read positions unreadable: set aside, files are read from their start (records keep their ids)',
      );
    this.now = options.now ?? Date.now;
  }

  async run(): Promise<void> {
    try {
      while (!this.ctx.signal.aborted) {
        await this.scan();
        for (const reader of [...this.readers.values()]) {
          const read = await this.drain(reader);
          if (this.ctx.signal.aborted) break;
          // Rotated and not grown since the previous pass read its end: the writer has moved on.
          if (reader.rotated && read === 0) await this.finish(reader);
        }
        await this.watch();
        await this.wakeup.sleep(this.options.pollIntervalMs, this.ctx.signal);
      }
    } finally {
      this.stopped = true;
      for (const watcher of this.watchers.values()) watcher.close();
      for (const reader of [...this.readers.values()]) await this.close(reader);
      clearTimeout(this.saveTimer);
      this.save();
    }
  }

  /**
   * Finds the configured files and binds each to what is known of it: its position, and the reader following it.
   * A pass opens each candidate at most once; handles not taken by a new reader are closed at its end.
   */
  private async scan(): Promise<void> {
    const now = this.now();
    const candidates = await findFiles(this.options.paths, this.include);
    const opened = new OpenedFiles();
    const bound = new Map<TrackedFile, Candidate>();
    try {
      const unbound = await this.bindByInode(candidates, opened, bound);
      await this.bindByContent(unbound, opened, bound, now);
      await this.follow(bound, opened, now);
    } finally {
      await opened.close();
    }
    for (const [entry, reader] of this.readers) if (!bound.has(entry)) reader.rotated = true;
    this.entries = this.entries.filter(
      (e) => bound.has(e) || this.readers.has(e) || now - e.seen < FORGET_AFTER_MS,
    );
  }

  /**
   * Same device and inode as a known file: still that file if it starts as it did and has not shrunk. Returns the
   * candidates left unbound.
   */
  private async bindByInode(
    candidates: Candidate[],
    opened: OpenedFiles,
    bound: Map<TrackedFile, Candidate>,
  ): Promise<Candidate[]> {
    const unbound: Candidate[] = [];
    for (const c of candidates) {
      const entry = this.entries.find((e) => e.dev === c.dev && e.ino === c.ino && !bound.has(e));
      if (entry === undefined) {
        unbound.push(c);
        continue;
      }
      const handle = await opened.open(c);
      if (handle === undefined) continue;
      const reader = this.readers.get(entry);
      const reached = reader?.readOffset ?? entry.offset;
      const print = await prefixFingerprint(handle, entry.length);
      if (print === entry.id && c.size >= reached) {
        bound.set(entry, c);
        continue;
      }
      // Truncated, or the inode now holds another file: what was read from it is gone from this path
      // (a copytruncate copy may still hold it, and finds the position by fingerprint below).
      if (reader !== undefined) await this.close(reader);
      entry.dev = -1;
      entry.ino = -1;
      // Rewritten with the very same first bytes: the old position means nothing for the new content.
      if (print === entry.id) this.entries = this.entries.filter((e) => e !== entry);
      unbound.push(c);
    }
    return unbound;
  }

  /** Unknown inode: a renamed or copied known file if its first bytes say so, else a new file. */
  private async bindByContent(
    unbound: Candidate[],
    opened: OpenedFiles,
    bound: Map<TrackedFile, Candidate>,
    now: number,
  ): Promise<void> {
    for (const c of unbound) {
      const handle = await opened.open(c);
      if (handle === undefined) continue;
      const prints = new Map<number, string | undefined>();
      const printOf = async (length: number) => {
        if (!prints.has(length)) prints.set(length, await prefixFingerprint(handle, length));
        return prints.get(length);
      };
      let match: TrackedFile | undefined;
      for (const e of this.entries) {
        if (e.length <= c.size && (await printOf(e.length)) === e.id) {
          match = e;
          break;
        }
      }
      if (match !== undefined) {
        // Otherwise a second file with the same content (a copytruncate copy before the truncation) is being
        // read already; one of them is enough.
        if (!bound.has(match)) bound.set(match, c);
        continue;
      }
      if (c.size === 0) continue;
      const length = Math.min(c.size, FINGERPRINT_BYTES);
      const id = await printOf(length);
      if (id === undefined) continue;
      const entry: TrackedFile = {
        id,
        length,
        offset: 0,
        number: 1,
        path: c.path,
        dev: c.dev,
        ino: c.ino,
        seen: now,
      };
      this.entries.push(entry);
      bound.set(entry, c);
    }
  }

  /** Keeps each bound file's reader, or starts one where the file is new or its content moved to another inode. */
  private async follow(bound: Map<TrackedFile, Candidate>, opened: OpenedFiles, now: number): Promise<void> {
    for (const [entry, c] of bound) {
      entry.path = c.path;
      entry.seen = now;
      const reader = this.readers.get(entry);
      if (reader !== undefined && reader.dev === c.dev && reader.ino === c.ino) {
        reader.rotated = false;
        entry.dev = c.dev;
        entry.ino = c.ino;
        continue;
      }
      // The content moved to another inode (copytruncate): continue there from what was read here.
      const from: ReadPosition = reader?.records.position ?? { offset: entry.offset, number: entry.number };
      if (reader !== undefined) await this.close(reader);
      if (c.size < from.offset) continue;
      if (this.refused.has(entry)) continue;
      const handle = opened.take(c);
      entry.dev = c.dev;
      entry.ino = c.ino;
      const started = await this.startReader(entry, handle, c, from);
      if (started !== undefined) this.readers.set(entry, started);
      else {
        this.refused.add(entry);
        await handle.close();
      }
    }
  }

  /** A reader of the file from `from`; undefined for a new file the codec refuses (said once, then left alone). */
  private async startReader(
    entry: TrackedFile,
    handle: FileHandle,
    c: Candidate,
    from: ReadPosition,
  ): Promise<Reader | undefined> {
    const { localNetworks, timezone } = this.options;
    const now = this.now;
    const stream: StreamInfo = {
      name: entry.path,
      identity: entry.id,
      timezone,
      // A live file is being written now, so no alert in it is later than now.
      get reference() {
        return now();
      },
      localNetworks,
      now,
    };
    if (from.offset === 0) {
      const head = Buffer.alloc(FINGERPRINT_BYTES);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      if (!accepts(this.options.codec, stream, head.subarray(0, bytesRead), this.ctx)) return undefined;
    }
    const records = new LogRecordReader(this.options.codec, stream, this.ctx, from);
    if (from.offset > 0) await this.prime(handle, records, from.offset);
    return {
      entry,
      handle,
      dev: c.dev,
      ino: c.ino,
      readOffset: from.offset,
      splitter: new LineSplitter(from),
      records,
      emitted: from.offset,
      rotated: false,
    };
  }

  /** Replays the lines before a resume point that set parser state (Zeek headers). */
  private async prime(handle: FileHandle, records: LogRecordReader, until: number): Promise<void> {
    const splitter = new LineSplitter();
    let position = 0;
    while (position < until) {
      const buffer = Buffer.alloc(Math.min(CHUNK_BYTES, until - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      for (const line of splitter.push(buffer.subarray(0, bytesRead))) if (!records.prime(line)) return;
    }
  }

  /** Reads what the file has beyond the last read; returns how many bytes that was. */
  private async drain(reader: Reader): Promise<number> {
    let total = 0;
    while (!this.ctx.signal.aborted) {
      // A fresh buffer per step: the splitter keeps the unfinished last line as a view into it.
      const buffer = Buffer.alloc(CHUNK_BYTES);
      const { bytesRead } = await reader.handle.read(buffer, 0, CHUNK_BYTES, reader.readOffset);
      if (bytesRead === 0) break;
      total += bytesRead;
      reader.readOffset += bytesRead;
      for (const line of reader.splitter.push(buffer.subarray(0, bytesRead))) reader.records.push(line);
      await this.emit(reader);
    }
    return total;
  }

  /** Hands the records read so far to the pipeline; their position is committed once they are written. */
  private async emit(reader: Reader): Promise<void> {
    const position = reader.records.position;
    if (position.offset === reader.emitted) return;
    reader.emitted = position.offset;
    const { entry } = reader;
    const records = reader.records.take();
    this.ctx.counters.recordsIn(records.length);
    await this.ctx.emit(records, () => {
      entry.offset = position.offset;
      entry.number = position.number;
      this.scheduleSave();
    });
  }

  /** A rotated file that stopped growing: its unterminated last line is final, so it counts as complete. */
  private async finish(reader: Reader): Promise<void> {
    const last = reader.splitter.end();
    if (last !== undefined) reader.records.push(last);
    reader.records.end();
    await this.emit(reader);
    await this.close(reader);
  }

  private async close(reader: Reader): Promise<void> {
    this.readers.delete(reader.entry);
    await reader.handle.close();
  }

  private scheduleSave(): void {
    // After the source stopped, the pipeline's last writes complete while the process is about to exit.
    if (this.stopped) {
      this.save();
      return;
    }
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, SAVE_DELAY_MS);
  }

  private save(): void {
    try {
      this.store.save(this.entries);
    } catch (err) {
      // A full disk fails every save until there is room: said once a minute, tried again a little later.
      if (!this.stopped && this.saveTimer === undefined) {
        this.saveTimer = setTimeout(() => {
          this.saveTimer = undefined;
          this.save();
        }, SAVE_RETRY_MS);
      }
      const suppressed = this.saveFailures.admit('save');
      if (suppressed === undefined) return;
      this.ctx.logger.warn(
        { file: this.store.file, err: (err as Error).message, since_last: suppressed },
        'cannot save read positions',
      );
    }
  }

  private async watch(): Promise<void> {
    for (const dir of await watchedDirectories(this.options.paths)) {
      if (this.watchers.has(dir)) continue;
      try {
        const watcher = watch(dir, () => this.wakeup.poke());
        watcher.on('error', () => {
          watcher.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, watcher);
      } catch {
        // The directory does not exist yet; polling looks for it and the next pass tries again.
      }
    }
  }
}

/** A live input that follows the log files of one format until the pipeline stops. */
export function createTailSource(options: TailOptions): Source {
  return {
    name: options.name,
    run: (ctx) => new Tailer(options, ctx).run(),
  };
}
