import { LogThrottle } from '../../src/observability/throttle.js';
import { filterDatagramBatch, type PackedBatch } from './datagram-batch.js';
import { DropCounts } from './drop-counts.js';
import { ExporterAllowlist } from './exporter-allowlist.js';
import { type JournalDropReason, JournalWriter } from './journal.js';
import type { FromReceiver, ReceiveInit, ReceiveStats } from './receive-protocol.js';

/** Counters are pushed at most this often while datagrams come, and once more after the last. */
const STATS_INTERVAL_MS = 100;

/** Sends a message to the source's thread. */
export type PostToSource = (message: FromReceiver, transfer?: ArrayBuffer[]) => void;

/**
 * Where the receiving worker's socket reader puts what it read: datagrams of exporters outside the allowlist are
 * counted and dropped, batches are appended to the journal (or, without one, posted to the source), and what the
 * journal refuses or loses is counted as overflow. The counters are pushed to the source as they change.
 */
export class DatagramIntake {
  private readonly allowlist: ExporterAllowlist;
  private readonly notAllowed = new DropCounts();
  /** Datagrams the journal refused or lost, by exporter and by why. */
  private readonly overflow = new DropCounts();
  private readonly journalDropped: Partial<Record<JournalDropReason, number>> = {};
  /** A full disk refuses every batch: it is said once a minute per reason, with the count since. */
  private readonly dropLog = new LogThrottle();
  private readonly counts = { received: 0, journaledPackets: 0 };
  private readonly journal: JournalWriter | undefined;
  /** Set by a reader that stops taking datagrams while the journal's writes are behind. */
  private journalWritten: () => void = () => {};
  private statsPushedAt = 0;
  private statsTimer: NodeJS.Timeout | undefined;
  /** Whether datagrams of `address` are read. */
  readonly allowed = (address: string): boolean => this.allowlist.allows(address);
  /** Counts a datagram dropped because its exporter is not allowed. */
  readonly refused = (address: string, port: number): void => {
    this.notAllowed.add(`${address}:${port}`);
    this.statsChanged();
  };

  constructor(
    init: ReceiveInit,
    private readonly post: PostToSource,
  ) {
    this.allowlist = new ExporterAllowlist(init.allowedExporters);
    this.journal = init.journal
      ? new JournalWriter(init.journal.dir, {
          maxBytes: init.journal.maxBytes,
          maxPendingBytes: init.journal.maxPendingBytes,
          minFreeBytes: init.journal.minFreeBytes,
          nextSeq: init.journal.nextSeq,
          heldBytes: init.journal.heldBytes,
          onWritten: (seq, length) => {
            post({ type: 'appended', seq, length });
            this.journalWritten();
          },
          onSealed: (seq) => post({ type: 'sealed', seq }),
          onLost: (buffer, reason, err) => {
            // Counted as journaled when it was accepted; it never got there.
            this.counts.journaledPackets -= this.dropped(buffer, reason, err.message);
          },
        })
      : undefined;
  }

  /** A batch of datagrams read together, of exporters of any address: those refused are dropped and counted. */
  admit(batch: PackedBatch): PackedBatch {
    return this.allowlist.acceptsAll ? batch : filterDatagramBatch(batch, this.allowed, this.refused);
  }

  /** Journals a batch of allowed exporters' datagrams, or posts it to the source without a journal. */
  deliver(batch: PackedBatch): void {
    if (batch.packets === 0) return;
    this.counts.received += batch.packets;
    if (!this.journal) {
      this.post({ type: 'batch', buffer: batch.buffer, packets: batch.packets }, [batch.buffer]);
    } else {
      const refused = this.journal.append(batch.buffer, batch.packets);
      if (refused === undefined) this.counts.journaledPackets += batch.packets;
      else this.dropped(batch.buffer, refused);
    }
    this.statsChanged();
  }

  /** Bytes appended to the journal and not yet in the file. */
  get journalPendingBytes(): number {
    return this.journal?.pendingBytes ?? 0;
  }

  /** `listener` runs after each journal write. */
  onJournalWritten(listener: () => void): void {
    this.journalWritten = listener;
  }

  /** Resolves once every batch appended so far is in the journal's file (or lost and reported). */
  async whenJournalWritten(): Promise<void> {
    await this.journal?.whenWritten();
  }

  /** The source deleted journal segments of this many bytes. */
  freed(bytes: number): void {
    this.journal?.freed(bytes);
  }

  /** Writes what is queued for the journal and stops pushing counters. */
  async close(): Promise<void> {
    await this.journal?.close();
    if (this.statsTimer) clearTimeout(this.statsTimer);
  }

  stats(): ReceiveStats {
    return {
      received: this.counts.received,
      notAllowed: this.notAllowed.total,
      notAllowedByExporter: this.notAllowed.bySenderObject(),
      overflow: this.overflow.total,
      overflowByExporter: this.overflow.bySenderObject(),
      journaledPackets: this.counts.journaledPackets,
      journalDropped: { ...this.journalDropped },
    };
  }

  /** Counts the datagrams of a batch the journal refused or lost; returns how many. */
  private dropped(buffer: ArrayBuffer, reason: JournalDropReason, message?: string): number {
    const before = this.overflow.total;
    this.overflow.addBatch(buffer);
    const packets = this.overflow.total - before;
    this.journalDropped[reason] = (this.journalDropped[reason] ?? 0) + packets;
    const suppressed = this.dropLog.admit(reason);
    if (suppressed !== undefined) this.post({ type: 'journal-dropping', reason, suppressed, message });
    this.statsChanged();
    return packets;
  }

  private statsChanged(): void {
    const now = Date.now();
    if (now - this.statsPushedAt >= STATS_INTERVAL_MS) {
      this.statsPushedAt = now;
      this.post({ type: 'stats', stats: this.stats() });
    } else {
      this.statsTimer ??= setTimeout(() => {
        this.statsTimer = undefined;
        this.statsPushedAt = Date.now();
        this.post({ type: 'stats', stats: this.stats() });
      }, STATS_INTERVAL_MS);
    }
  }
}
