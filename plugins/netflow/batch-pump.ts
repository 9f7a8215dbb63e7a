import type { SourceContext } from '../../src/pipeline/types.js';
import { JsonRecord } from '../../src/schema/json-record.js';
import type { BatchQueue, QueuedBatch } from './batch-queue.js';
import { readDatagramBatch } from './datagram-batch.js';
import type { DecodeDeadLetter, DecodeResults } from './decode-protocol.js';
import type { DecodeWorkerHandle } from './decode-worker-handle.js';
import { describePosition, type JournalPosition } from './journal.js';
import { DeadLetterBudget, ProblemCounts } from './problem-counts.js';
import type { BatchArrival } from './receive-protocol.js';

/**
 * Batches handed to the decode worker and not answered yet: one being decoded and one waiting keep it busy (a batch
 * takes tens of milliseconds), and every further one is megabytes of documents alive at once.
 */
const MAX_IN_FLIGHT = 2;

/**
 * The back-pressure between the queue, the decode worker and the pipeline: batches go to the worker only while it
 * has room, the pipeline is not pushing back and not too many of the source's documents wait in it unwritten, so
 * that a burst or a slow output makes the queue grow, not the heap. The worker's documents go to the pipeline.
 */
export class BatchPump {
  private inFlight = 0;
  /** Where each batch handed to the decode worker and not answered yet is in the journal, oldest first. */
  private readonly inFlightPositions: Array<JournalPosition | undefined> = [];
  /** Datagrams of quarantined batches, skipped, by exporter (`quarantined`). */
  readonly quarantined = new ProblemCounts();
  private readonly budget = new DeadLetterBudget();
  private emitsWaiting = 0;
  /** Documents emitted and not yet written by the sinks. */
  private unwrittenDocs = 0;
  private closing = false;

  constructor(
    private readonly queue: BatchQueue,
    private decoder: DecodeWorkerHandle,
    private readonly ctx: SourceContext,
    private readonly maxUnwrittenDocs: number,
  ) {}

  arrived(arrival: BatchArrival): void {
    this.queue.arrived(arrival);
    this.pump();
  }

  /** Hands queued batches to the decode worker while the bounds allow. */
  pump(): void {
    while (
      this.closing ||
      (this.inFlight < MAX_IN_FLIGHT && this.emitsWaiting === 0 && this.unwrittenDocs < this.maxUnwrittenDocs)
    ) {
      const next = this.queue.next(this.closing);
      if (!next) return;
      this.inFlight++;
      this.inFlightPositions.push(next.position);
      if (next.quarantined) this.skip(next);
      else this.decoder.decode(next);
    }
  }

  /**
   * Where the batch the decode worker was working on is in the journal: the oldest it has not answered, since it
   * decodes in order. Exact once the worker's messages are all read (after its `exit`).
   */
  oldestInFlight(): JournalPosition | undefined {
    return this.inFlightPositions[0];
  }

  get batchesInFlight(): number {
    return this.inFlight;
  }

  /**
   * A new decode worker replaces one that died: what the dead one had in flight is read again from the queue
   * (`JournalReader.rewind`), so nothing counts as in flight any more.
   */
  replaceDecoder(decoder: DecodeWorkerHandle): void {
    this.decoder = decoder;
    this.inFlight = 0;
    this.inFlightPositions.length = 0;
  }

  /**
   * A batch a decode worker died on (in this run or an earlier one): its datagrams are counted and dead-lettered instead of
   * decoded, and it is released in its turn like a batch without documents.
   */
  private skip(batch: QueuedBatch): void {
    const now = Date.now();
    const at = batch.position ? describePosition(batch.position) : 'memory';
    const reason = `netflow: quarantined: a decode worker died on the batch at journal ${at}`;
    const deadLetters: DecodeDeadLetter[] = [];
    const exporters = new Set<string>();
    readDatagramBatch(batch.buffer, ({ data, address, port }) => {
      const origin = `${address}:${port}`;
      exporters.add(origin);
      this.quarantined.add(origin, 'quarantined');
      if (this.budget.take(now)) deadLetters.push({ origin, reason, raw: data.toString('base64') });
    });
    this.ctx.logger.warn(
      { journal: at, datagrams: batch.packets, exporters: [...exporters] },
      'netflow: skipping a batch a decode worker died on; its datagrams are counted and dead-lettered',
    );
    this.results({
      type: 'results',
      done: { packets: batch.packets, bytes: batch.buffer.byteLength },
      datasets: [],
      ids: [],
      jsons: [],
      deadLetters,
    });
  }

  /** The source stops: what the queue would lose goes to the decode worker, whatever the bounds. */
  close(): void {
    this.closing = true;
    this.pump();
  }

  /** Emits documents the decode worker sent back; the last part of a batch frees its place. */
  results(message: DecodeResults): void {
    const { ctx } = this;
    let release: (() => void) | undefined;
    if (message.done) {
      this.inFlight--;
      this.inFlightPositions.shift();
      release = this.queue.decoded(message.done);
    }
    for (const dead of message.deadLetters) {
      ctx.counters.recordsFailed(1);
      ctx.deadLetter({ plugin: 'netflow', reason: dead.reason, origin: dead.origin, raw: dead.raw });
    }
    const n = message.ids.length;
    if (n === 0 && !release) {
      this.pump();
      return;
    }
    const records = new Array<JsonRecord>(n);
    for (let i = 0; i < n; i++) {
      records[i] = new JsonRecord(message.datasets[i], message.ids[i], message.jsons[i]);
    }
    if (n > 0) ctx.counters.recordsIn(n);
    this.emitsWaiting++;
    this.unwrittenDocs += n;
    ctx
      .emit(records, () => {
        this.unwrittenDocs -= n;
        release?.();
        this.pump();
      })
      .catch((err: unknown) => ctx.logger.error({ err }, 'netflow: emit failed'))
      .finally(() => {
        this.emitsWaiting--;
        this.pump();
      });
  }
}
