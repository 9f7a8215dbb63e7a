import type { Logger } from 'pino';
import { RetryableError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { HealthSource } from '../observability/server.js';
import { backoffDelay, sleep } from './backoff.js';
import type { DeadLetterWriter } from './dead-letter.js';
import { DeadLetterLog } from './dead-letter-log.js';
import { SinkOutages } from './outage.js';
import { ReplayWindow } from './replay-window.js';
import type { Spool } from './spool.js';
import type {
  DeadLetterEntry,
  OutgoingRecord,
  PipelineRecord,
  RecordTap,
  Sink,
  SinkOutcome,
  Source,
  SourceContext,
} from './types.js';
import { spoolUnwritten } from './unwritten.js';

export interface PipelineOptions {
  sinks: Sink[];
  logger: Logger;
  metrics: Metrics;
  deadLetter: DeadLetterWriter;
  spool?: Spool;
  batch: { maxDocs: number; maxBytes: number; flushIntervalMs: number; concurrency: number };
  retry: { initialBackoffMs: number; maxBackoffMs: number };
  /** Above this many queued records `emit` makes callers wait; at twice as many, records that still come are dropped and counted. */
  maxQueuedRecords: number;
  /** How long `stop` keeps trying to write what is queued before it spools the rest to disk. */
  shutdownGraceMs?: number;
  /**
   * How many records each source may read again after a restart (from its last saved position: what was queued
   * or in flight when the process ended). That many of each source's first records are marked `replayed`.
   */
  replayWindow?: number;
}

/** Completion of one `emit` call: its callback runs once all its records are written, in emit order. */
interface Ticket {
  remaining: number;
  onWritten?: () => void;
  /**
   * Some of its records were neither written nor kept (the spool could not be written at shutdown): the callback
   * never runs, nor any later one, so no source saves a position past them and they are read again.
   */
  lost?: boolean;
}

interface Entry {
  item: OutgoingRecord;
  bytes: number;
  ticket: Ticket;
  plugin: string;
}

/**
 * Owns everything between sources and sinks: a bounded queue with backpressure, batching by count/bytes/time,
 * a bounded number of batches in flight, retries with backoff, dead-lettering of refused documents, metrics,
 * and an orderly shutdown that writes or spools what is left.
 */
export class Pipeline implements HealthSource {
  private readonly queue: Entry[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private inFlight = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private draining = false;
  private flushDue = false;
  private readonly tickets: Ticket[] = [];
  private readonly capacityWaiters: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private readonly controller = new AbortController();
  /** Aborted when the shutdown grace period is over: retry loops give up and their records go to the spool. */
  private readonly hardStop = new AbortController();
  private sinksStarted = false;
  /** Records taken in from inputs, for what an outage's recovery line says came in meanwhile. */
  private accepted = 0;
  /** Sinks whose latest write failed as a whole, since when; drives `/healthz` and the outage lines. */
  private readonly outages: SinkOutages;
  private dropsLogged = 0;
  private readonly taps: RecordTap[] = [];
  private readonly replayWindow: ReplayWindow;
  private readonly deadLetters: DeadLetterLog;
  /** A sink's refusal that no retry can cure: the pipeline stops, keeps what is unwritten and `finish` throws it. */
  private fatal: Error | undefined;

  constructor(private readonly options: PipelineOptions) {
    this.replayWindow = new ReplayWindow(options.replayWindow ?? 0);
    this.deadLetters = new DeadLetterLog(options.deadLetter, options.metrics, options.logger);
    this.outages = new SinkOutages(options.logger, () => this.accepted);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  async start(): Promise<void> {
    if (this.sinksStarted) return;
    this.sinksStarted = true;
    for (const sink of this.options.sinks) await sink.start?.();
    this.replaySpool();
  }

  /**
   * Runs the sources until they end by themselves (one-shot inputs) or `stop` is called (live inputs), then
   * writes what is still queued. Resolves when everything was written, dead-lettered or spooled.
   */
  async run(sources: Source[]): Promise<void> {
    await this.start();
    const results = await Promise.allSettled(sources.map((source) => this.runSource(source)));
    await this.finish();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Runs one source to its end without finishing the pipeline (call `start` first and `finish` at the end). */
  runSource(source: Source): Promise<void> {
    return source.run(this.contextFor(source.name));
  }

  /** Asks live sources to stop; `run` then drains and resolves. */
  stop(): void {
    this.controller.abort();
  }

  contextFor(plugin: string): SourceContext {
    const { metrics, logger } = this.options;
    return {
      logger: logger.child({ plugin }),
      signal: this.controller.signal,
      counters: {
        recordsIn: (n = 1) => metrics.recordsIn.inc({ plugin }, n),
        recordsFailed: (n = 1) => metrics.recordsFailed.inc({ plugin }, n),
        repaired: (reason, n = 1) => metrics.inputRepaired.inc({ plugin, reason }, n),
      },
      emit: (records, onWritten) => this.emit(plugin, records, onWritten),
      deadLetter: (entry) => this.deadLetter([entry]),
    };
  }

  /** `tap` sees every record emitted from now on. */
  tap(tap: RecordTap): void {
    this.taps.push(tap);
  }

  emit(plugin: string, records: PipelineRecord[], onWritten?: () => void): Promise<void> {
    const hardLimit = this.options.maxQueuedRecords * 2;
    const ticket: Ticket = { remaining: 0, onWritten };
    const tapped: OutgoingRecord[] | undefined = this.taps.length > 0 ? [] : undefined;
    this.replayWindow.mark(plugin, records);
    let dropped = 0;
    for (const record of records) {
      if (this.queued >= hardLimit) {
        dropped++;
        continue;
      }
      const json = record.json ?? JSON.stringify(record.doc);
      const item = { record, json };
      this.queue.push({ item, bytes: json.length + record.id.length + 64, ticket, plugin });
      this.queuedBytes += json.length;
      ticket.remaining++;
      tapped?.push(item);
    }
    this.accepted += ticket.remaining;
    if (dropped > 0) this.countDropped(plugin, dropped);
    if (tapped) for (const tap of this.taps) tap.observe(plugin, tapped);
    this.tickets.push(ticket);
    this.completeTickets();
    this.options.metrics.queueDepth.set(this.queued);
    this.dispatch();
    if (this.queued < this.options.maxQueuedRecords) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  private countDropped(plugin: string, n: number): void {
    this.options.metrics.recordsDropped.inc({ plugin, reason: 'queue_full' }, n);
    this.dropsLogged++;
    if (this.dropsLogged === 1 || this.dropsLogged % 1000 === 0) {
      this.options.logger.warn({ plugin, dropped: n, queued: this.queued }, 'queue full: records dropped');
    }
  }

  deadLetter(entries: DeadLetterEntry[]): void {
    this.deadLetters.write(entries);
  }

  private dispatch(): void {
    const { maxDocs, maxBytes, concurrency, flushIntervalMs } = this.options.batch;
    while (this.inFlight < concurrency && this.queued > 0) {
      const full = this.queued >= maxDocs || this.queuedBytes >= maxBytes;
      if (!full && !this.draining && !this.flushDue) break;
      this.flushDue = false;
      this.send(this.takeBatch(maxDocs, maxBytes));
    }
    if (this.queued > 0 && this.flushTimer === undefined && !this.draining) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.flushDue = true;
        this.dispatch();
      }, flushIntervalMs);
    }
    this.notifyCapacity();
    this.notifyIdle();
  }

  private takeBatch(maxDocs: number, maxBytes: number): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (this.queueHead < this.queue.length && batch.length < maxDocs) {
      const entry = this.queue[this.queueHead];
      if (batch.length > 0 && bytes + entry.bytes > maxBytes) break;
      batch.push(entry);
      bytes += entry.bytes;
      this.queuedBytes -= entry.item.json.length;
      this.queueHead++;
    }
    if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    this.options.metrics.queueDepth.set(this.queued);
    return batch;
  }

  private send(batch: Entry[]): void {
    this.inFlight++;
    Promise.all(this.options.sinks.map((sink) => this.writeWithRetry(sink, batch)))
      .catch((err: unknown) => this.options.logger.error({ err }, 'unexpected sink failure'))
      .finally(() => {
        this.inFlight--;
        for (const entry of batch) entry.ticket.remaining--;
        this.completeTickets();
        this.dispatch();
      });
  }

  private async writeWithRetry(sink: Sink, batch: Entry[]): Promise<void> {
    const { metrics, retry } = this.options;
    const entryOf = new Map<OutgoingRecord, Entry>(batch.map((e) => [e.item, e]));
    let pending = batch;
    let attempt = 0;
    while (pending.length > 0) {
      if (this.hardStop.signal.aborted) {
        this.keepUnwritten(sink, pending);
        return;
      }
      const timer = metrics.bulkDuration.startTimer({ plugin: sink.name });
      let outcome: SinkOutcome;
      try {
        outcome = await sink.write(pending.map((e) => e.item));
      } catch (err) {
        timer();
        if (!(err instanceof RetryableError)) {
          this.failWith(sink, err as Error);
          this.keepUnwritten(sink, pending);
          return;
        }
        // The batch may have been stored before the failure was seen (a timeout): its next send checks first.
        for (const entry of pending) entry.item.record.replayed = true;
        metrics.retries.inc({ plugin: sink.name, reason: 'unavailable' }, pending.length);
        this.outages.failed(sink.name, err as Error);
        await sleep(
          backoffDelay(attempt++, retry.initialBackoffMs, retry.maxBackoffMs),
          this.hardStop.signal,
        );
        continue;
      }
      timer();
      this.outages.succeeded(sink.name);
      const retried = new Set(outcome.retry.map((r) => r.item));
      const rejected = new Set(outcome.rejected.map((r) => r.item));
      metrics.recordsOut.inc({ plugin: sink.name }, pending.length - retried.size - rejected.size);
      if (outcome.rejected.length > 0) {
        metrics.recordsFailed.inc({ plugin: sink.name }, outcome.rejected.length);
        this.deadLetter(
          outcome.rejected.map(({ item, reason }) => ({
            plugin: sink.name,
            reason,
            origin: entryOf.get(item)?.plugin,
            record: item.record,
          })),
        );
      }
      if (outcome.retry.length === 0) return;
      metrics.retries.inc({ plugin: sink.name, reason: 'partial' }, outcome.retry.length);
      pending = pending.filter((e) => retried.has(e.item));
      await sleep(backoffDelay(attempt++, retry.initialBackoffMs, retry.maxBackoffMs), this.hardStop.signal);
    }
  }

  private failWith(sink: Sink, err: Error): void {
    if (this.fatal) return;
    this.fatal = err;
    this.outages.failed(sink.name, err);
    this.options.logger.error({ plugin: sink.name, err: err.message }, 'sink refused to write: stopping');
    this.controller.abort();
    this.hardStop.abort();
  }

  /** Runs emit callbacks strictly in emit order, so a source never persists a position past an unwritten record. */
  private completeTickets(): void {
    let done = 0;
    while (done < this.tickets.length && this.tickets[done].remaining === 0 && !this.tickets[done].lost) {
      this.tickets[done].onWritten?.();
      done++;
    }
    if (done > 0) this.tickets.splice(0, done);
  }

  private notifyCapacity(): void {
    if (this.queued >= this.options.maxQueuedRecords) return;
    for (const resolve of this.capacityWaiters.splice(0)) resolve();
  }

  private notifyIdle(): void {
    if (this.queued > 0 || this.inFlight > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  health(): { status: 'ok' | 'degraded' | 'stopping'; detail: Record<string, unknown> } {
    const detail = {
      queued: this.queued,
      in_flight: this.inFlight,
      failing: this.outages.failing(),
    };
    if (this.controller.signal.aborted) return { status: 'stopping', detail };
    return { status: Object.keys(detail.failing).length > 0 ? 'degraded' : 'ok', detail };
  }

  /** Resolves when nothing is queued or in flight. */
  whenIdle(): Promise<void> {
    if (this.queued === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Writes everything queued (or spools it after the grace period) and closes the sinks. */
  async finish(): Promise<void> {
    for (const tap of this.taps) await tap.finish?.();
    this.draining = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.dispatch();
    const grace = this.options.shutdownGraceMs ?? 30_000;
    const timeout = Number.isFinite(grace) ? setTimeout(() => this.hardStop.abort(), grace) : undefined;
    await this.whenIdle();
    clearTimeout(timeout);
    for (const sink of this.options.sinks) await sink.close?.();
    if (this.fatal) throw this.fatal;
  }

  /** Synchronously, before the batch counts as done: the emitter may persist its position right after. */
  private keepUnwritten(sink: Sink, entries: Entry[]): void {
    const records = entries.map((e) => e.item.record);
    const kept = spoolUnwritten(sink.name, records, this.options);
    if (kept === 'lost') for (const entry of entries) entry.ticket.lost = true;
    if (kept !== 'no_spool') return;
    this.deadLetter(
      records.map((record) => ({
        plugin: sink.name,
        reason: 'sink unavailable at shutdown and no spool configured',
        record,
      })),
    );
  }

  private replaySpool(): void {
    const spool = this.options.spool;
    if (!spool) return;
    for (const { file, records, unreadable } of spool.load()) {
      this.options.logger.info(
        { file, records: records.length, unreadable: unreadable.length },
        'writing records spooled at the last shutdown',
      );
      this.deadLetter(
        unreadable.map((raw) => ({ plugin: 'spool', reason: 'not a spooled record', origin: file, raw })),
      );
      for (const record of records) record.replayed = true;
      void this.emit('spool', records, () => spool.remove(file));
    }
  }
}
