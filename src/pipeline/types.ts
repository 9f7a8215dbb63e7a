import type { Logger } from 'pino';

/** One normalized document on its way to a sink. */
export interface PipelineRecord {
  /** ECS dataset, e.g. `flowtrail.flows`; the data stream is `logs-<dataset>-<namespace>`. */
  dataset: string;
  /** Deterministic identity of the record: a re-send must produce the same id. */
  id: string;
  /** The ECS document body (nested objects, ECS field names). */
  doc: Record<string, unknown>;
  /**
   * `doc` already serialized, e.g. by a worker thread so the emitting thread does not pay for it; the pipeline
   * sends it as is instead of serializing `doc`. Must be `JSON.stringify(doc)`.
   */
  json?: string;
  /**
   * The record may be stored already (sent again after a restart or a failure whose outcome is unknown): a sink
   * whose ids are unique only in part of the store (a data stream's current backing index) looks it up first.
   */
  replayed?: boolean;
}

/** Something a user can inspect later: input that could not be turned into a document, or a document a sink refused. */
export interface DeadLetterEntry {
  plugin: string;
  reason: string;
  /** Where the bad input came from: `file:line`, exporter address, topic/partition/offset… */
  origin?: string;
  /**
   * What identifies the stream `origin` points into where its name alone may not (a rotated file: its
   * fingerprint).
   */
  stream?: string;
  /** The raw input (text, or base64 for binary) when no document could be built. */
  raw?: string;
  record?: PipelineRecord;
}

export interface PluginCounters {
  /** Records (or packets/lines for inputs) that a plugin accepted. */
  recordsIn(n?: number): void;
  /** Inputs that could not be decoded or parsed. */
  recordsFailed(n?: number): void;
  /** Inputs read with a repair (`invalid_utf8`: bytes that are not UTF-8 replaced by U+FFFD). */
  repaired(reason: string, n?: number): void;
}

export interface SourceContext {
  readonly logger: Logger;
  readonly signal: AbortSignal;
  readonly counters: PluginCounters;
  /**
   * Hand records to the pipeline. Resolves once the pipeline has room again, so a reader that awaits it
   * slows down instead of buffering without bound. Sources that cannot slow down (UDP) may ignore the promise;
   * the pipeline then counts what it has to drop.
   * `onWritten` runs once every record of this call was written by the sinks or dead-lettered: the moment a
   * source may persist its position (file offset, Kafka offset) without risking loss.
   */
  emit(records: PipelineRecord[], onWritten?: () => void): Promise<void>;
  /** Bad input: counted, logged once per origin, and kept in the dead-letter file. */
  deadLetter(entry: DeadLetterEntry): void;
}

/** An input plugin. `run` resolves when the input is exhausted (one-shot) or when `ctx.signal` aborts (live). */
export interface Source {
  readonly name: string;
  run(ctx: SourceContext): Promise<void>;
}

/** A record with its JSON body serialized once by the pipeline (it also sizes batches with it). */
export interface OutgoingRecord {
  record: PipelineRecord;
  json: string;
}

export interface SinkOutcome {
  /** Records the sink could not write now but that may succeed later (429, 5xx, timeouts). */
  retry: Array<{ item: OutgoingRecord; reason: string }>;
  /** Records that will never be accepted as they are (mapping conflicts, 4xx): they go to the dead-letter file. */
  rejected: Array<{ item: OutgoingRecord; reason: string }>;
}

/**
 * Sees every record a source hands to the pipeline, as it is queued: the app's way to act on records in flight
 * (detections) without a plugin talking to another.
 */
export interface RecordTap {
  /** Called synchronously from `emit` with the records queued (not those dropped), each with its JSON body. */
  observe(plugin: string, records: readonly OutgoingRecord[]): void;
  /** Called when the pipeline finishes, before it writes what is left: records emitted now are still written. */
  finish?(): Promise<void>;
}

/** An output plugin. The pipeline owns batching, retries, backoff and shutdown; a sink only writes one batch. */
export interface Sink {
  readonly name: string;
  start?(): Promise<void>;
  /** Throws `RetryableError` when nothing of the batch could be written (connection lost, cluster unavailable). */
  write(batch: readonly OutgoingRecord[]): Promise<SinkOutcome>;
  close?(): Promise<void>;
}
