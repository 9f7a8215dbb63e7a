/**
 * Writing the ring. A PacketStore is one process's access to the ring directory (its settings, its counters, what
 * it logged); each packet stream gets a writer of its own, which appends the stream's records to a ring file of
 * its own and seals it (index beside it, written whole under a temporary name and renamed) when it is full or the
 * stream ends. A file whose writer dies before sealing it stays readable: searches read it whole and stop at its
 * last complete record.
 *
 * A disk error never stops metering: the writer counts it, logs it once per kind, leaves the file as written so
 * far, drops packets for a while and then tries a new file.
 */
import { closeSync, fdatasyncSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { indexFile, pcapHeader } from './layout.js';
import { enforceCaps, indexPathOf, type RingCaps, ringFileName } from './ring.js';

/** What the native recorder (codecs/pcap) says of the file it records into. */
export interface RecorderState {
  records: number;
  firstMs: number;
  lastMs: number;
  /** Offset the next record takes in the file; the recorder counts the file header in. */
  offset: number;
  sessions: number;
  /** 1: a session found the file's index full. */
  overflow: number;
  /** The stream's link type; -1 before its first frame. */
  linktype: number;
  /** Frames not recorded: of another link type than the stream's first (a classic pcap file holds one). */
  otherLinktype: number;
  outOfMemory: number;
}

/** The packet stream's side: its frames as pcap records, and the index of the file they go to. */
export interface PacketRecorder {
  /** Records since the last call, or undefined. */
  records(): Buffer | undefined;
  /** The current file's index entries; the records after it begin a new file. */
  seal(): Buffer;
  recording(): RecorderState;
}

export interface PacketStoreSettings extends RingCaps {
  dir: string;
  /** A ring file is sealed and a new one begun once it holds this many bytes. */
  fileBytes: number;
  /** Sessions one file's index holds; a file is sealed early when more come. */
  sessionsPerFile: number;
}

export interface PacketStoreCounters {
  records: number;
  bytes: number;
  files: number;
  deletedFiles: number;
  writeErrors: number;
  /** Records lost to write errors (dropped while the store recovers). */
  droppedRecords: number;
  /** Frames of a second link type in one stream, not stored. */
  otherLinktype: number;
  /** Frames the recorder had no memory for, not stored. */
  outOfMemory: number;
}

type Warn = (fields: Record<string, unknown>, message: string) => void;

/** After a write error, how long packets are dropped before a new file is tried. */
const RETRY_MS = 10_000;
/** Numbers the files this process begins (several stores may write one directory at the same millisecond). */
let sequence = 0;

export class PacketStore {
  readonly counters: PacketStoreCounters = {
    records: 0,
    bytes: 0,
    files: 0,
    deletedFiles: 0,
    writeErrors: 0,
    droppedRecords: 0,
    otherLinktype: 0,
    outOfMemory: 0,
  };
  private readonly open = new Set<string>();
  private readonly logged = new Set<string>();

  constructor(
    readonly settings: PacketStoreSettings,
    private readonly warn: Warn,
    private readonly now: () => number = Date.now,
  ) {}

  writer(recorder: PacketRecorder): PacketStoreWriter {
    return new PacketStoreWriter(this, recorder);
  }

  /** Logs the first problem of each kind; the counters keep the rest. */
  problem(kind: string, fields: Record<string, unknown>, message: string): void {
    if (this.logged.has(kind)) return;
    this.logged.add(kind);
    this.warn({ packet_store: this.settings.dir, ...fields }, message);
  }

  /** @internal A new file's path, held open (kept from the caps) until released. */
  claim(): string {
    mkdirSync(this.settings.dir, { recursive: true });
    const path = join(this.settings.dir, ringFileName(this.now(), process.pid, sequence++));
    this.open.add(path);
    return path;
  }

  /** @internal */
  release(path: string): void {
    this.open.delete(path);
  }

  /** @internal */
  clock(): number {
    return this.now();
  }

  /** Applies the size and age caps to the ring (files being written are kept). */
  trim(): void {
    try {
      this.counters.deletedFiles += enforceCaps(
        this.settings.dir,
        this.settings,
        this.now(),
        this.open,
      ).length;
    } catch (err) {
      this.counters.writeErrors++;
      this.problem(
        'trim',
        { err },
        'packet store: old files could not be deleted; the ring may exceed its caps',
      );
    }
  }
}

export class PacketStoreWriter {
  private fd: number | undefined;
  private path: string | undefined;
  private bytes = 0;
  private retryAt = 0;
  private otherLinktype = 0;
  private outOfMemory = 0;
  /** Records of the current file written so far (the recorder counts those it recorded). */
  private written = 0;

  constructor(
    private readonly store: PacketStore,
    private readonly recorder: PacketRecorder,
  ) {}

  /** Writes what the stream's last push recorded; seals the file when it is full. */
  afterPush(): void {
    const records = this.recorder.records();
    this.countUnrecorded();
    if (records === undefined) return;
    const state = this.recorder.recording();
    if (this.fd === undefined && this.store.clock() < this.retryAt) {
      // The next file starts afresh: this push's offsets and index are given up with its records.
      this.recorder.seal();
      this.store.counters.droppedRecords += state.records;
      return;
    }
    try {
      if (this.fd === undefined) this.begin(state.linktype);
      writeSync(this.fd as number, records);
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException, 'write');
      return;
    }
    this.bytes += records.length;
    this.store.counters.bytes += records.length;
    this.store.counters.records += state.records - this.written;
    this.written = state.records;
    if (this.bytes >= this.store.settings.fileBytes || state.overflow === 1) this.seal();
  }

  /** The stream ended: its file is sealed and the ring trimmed. */
  close(): void {
    this.countUnrecorded();
    if (this.fd !== undefined) this.seal();
  }

  /** Frames the recorder left out: counted, and said once. */
  private countUnrecorded(): void {
    const state = this.recorder.recording();
    if (state.otherLinktype !== this.otherLinktype) {
      this.store.counters.otherLinktype += state.otherLinktype - this.otherLinktype;
      this.otherLinktype = state.otherLinktype;
      this.store.problem(
        'linktype',
        { linktype: state.linktype },
        'packet store: a capture holds frames of a second link type; a classic pcap ring file holds one, so those are not stored (they are metered)',
      );
    }
    if (state.outOfMemory !== this.outOfMemory) {
      this.store.counters.outOfMemory += state.outOfMemory - this.outOfMemory;
      this.outOfMemory = state.outOfMemory;
      this.store.problem(
        'memory',
        {},
        'packet store: out of memory for packet records; those are not stored (they are metered)',
      );
    }
  }

  private begin(linktype: number): void {
    this.path = this.store.claim();
    this.fd = openSync(this.path, 'wx');
    this.bytes = 0;
    this.written = 0;
    const header = pcapHeader(linktype);
    writeSync(this.fd, header);
    this.bytes = header.length;
    this.store.counters.files++;
  }

  private seal(): void {
    const state = this.recorder.recording();
    const entries = this.recorder.seal();
    const fd = this.fd as number;
    const path = this.path as string;
    this.fd = undefined;
    this.path = undefined;
    try {
      fdatasyncSync(fd);
      closeSync(fd);
      const index = indexFile(
        {
          sessions: state.sessions,
          complete: state.overflow === 0,
          records: state.records,
          firstMs: state.firstMs,
          lastMs: state.lastMs,
          bytes: this.bytes,
          linktype: state.linktype,
        },
        entries,
      );
      const temporary = `${indexPathOf(path)}.tmp`;
      writeFileSync(temporary, index);
      renameSync(temporary, indexPathOf(path));
    } catch (err) {
      this.store.counters.writeErrors++;
      this.store.problem(
        `seal:${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        { err, file: path },
        'packet store: a ring file could not be sealed; it stays readable without its index',
      );
    } finally {
      this.store.release(path);
    }
    this.store.trim();
  }

  private fail(err: NodeJS.ErrnoException, what: string): void {
    const state = this.recorder.recording();
    this.recorder.seal();
    this.store.counters.writeErrors++;
    this.store.counters.droppedRecords += state.records - this.written;
    this.store.problem(
      `${what}:${err.code ?? 'error'}`,
      { err, file: this.path },
      `packet store: writing packets failed (${err.message}); metering goes on, packets are dropped and counted, a new file is tried in ${RETRY_MS / 1000} s`,
    );
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // The descriptor is gone either way.
      }
    }
    if (this.path !== undefined) this.store.release(this.path);
    this.fd = undefined;
    this.path = undefined;
    this.retryAt = this.store.clock() + RETRY_MS;
  }
}
