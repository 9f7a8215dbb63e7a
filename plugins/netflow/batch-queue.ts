import type { PackedBatch } from './datagram-batch.js';
import type { DecodedBatch } from './decode-protocol.js';
import type { DropCounts } from './drop-counts.js';
import type { JournalPosition, JournalReader } from './journal.js';
import type { BatchArrival } from './receive-protocol.js';

/** A batch as the queue hands it out: from the journal, with where it is there. */
export interface QueuedBatch extends PackedBatch {
  position?: JournalPosition;
  /** A decode worker died on it in an earlier run (see `JournalReader.quarantine`): it is skipped, not decoded. */
  quarantined?: boolean;
}

/** Batches the receiving worker queued and the decode worker has not had yet, oldest first. */
export interface BatchQueue {
  /** The receiving worker queued a batch. */
  arrived(arrival: BatchArrival): void;
  /**
   * The oldest batch not handed to the decode worker yet, if any. Once `closing`, only those that would otherwise
   * be lost: the journal keeps the rest for the next run.
   */
  next(closing: boolean): QueuedBatch | undefined;
  /** The decode worker is done with a batch; returns what to do once its documents are written, if anything. */
  decoded(done: DecodedBatch): (() => void) | undefined;
}

/**
 * The journal on disk (see `journal.ts`): the receiving worker appends, this reads back in order and releases
 * entries once their documents are written, which deletes the segment files behind them.
 */
export class JournalQueue implements BatchQueue {
  constructor(
    private readonly reader: JournalReader,
    /** The receiving worker's writer must hear of deleted segments, which no longer count against its bound. */
    private readonly onFreed: (bytes: number) => void,
  ) {}

  arrived(arrival: BatchArrival): void {
    if (arrival.type === 'appended') this.reader.appended(arrival.seq, arrival.length);
    if (arrival.type === 'sealed') {
      const freed = this.reader.sealed(arrival.seq);
      if (freed > 0) this.onFreed(freed);
    }
  }

  next(closing: boolean): QueuedBatch | undefined {
    return closing ? undefined : this.reader.read();
  }

  decoded(): () => void {
    // Write callbacks run in emit order, so releases come in the order the journal was read.
    return () => {
      const freed = this.reader.release();
      if (freed > 0) this.onFreed(freed);
    };
  }
}

/**
 * Without a journal: batches wait in memory, within bounds on datagrams and bytes that count them until the decode
 * worker is done with them; what exceeds the bounds is dropped and counted.
 */
export class MemoryQueue implements BatchQueue {
  private readonly batches: PackedBatch[] = [];
  /** Datagrams queued or at the decode worker: what the bounds limit. */
  private packets = 0;
  private bytes = 0;

  constructor(
    private readonly maxPackets: number,
    private readonly maxBytes: number,
    private readonly overflow: DropCounts,
  ) {}

  arrived(arrival: BatchArrival): void {
    if (arrival.type !== 'batch') return;
    const { buffer, packets } = arrival;
    if (this.packets < this.maxPackets && this.bytes + buffer.byteLength <= this.maxBytes) {
      this.batches.push({ buffer, packets });
      this.packets += packets;
      this.bytes += buffer.byteLength;
      return;
    }
    this.overflow.addBatch(buffer);
  }

  next(): PackedBatch | undefined {
    return this.batches.shift();
  }

  decoded(done: DecodedBatch): undefined {
    this.packets -= done.packets;
    this.bytes -= done.bytes;
    return undefined;
  }
}
