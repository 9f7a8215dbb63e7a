import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
import type { OffsetCommits } from './commits.js';

export interface BatchReading {
  /** Names the plugin in dead letters. */
  plugin: string;
  /** The message's record, or undefined for one that holds none; a throw dead-letters the message. */
  decode(topic: string, partition: number, message: KafkaMessage): PipelineRecord | undefined;
  /** A message's value as a dead letter keeps it: text as it is (the default), binary formats as base64. */
  raw?(topic: string, value: Buffer): string;
  /** Told what each batch handed over: its records and the bytes of the messages read. */
  fetched?(topic: string, records: number, bytes: number): void;
  /** How often to heartbeat while the pipeline holds a batch back (the consumer's heartbeat interval). */
  heartbeatMs: number;
}

/**
 * Heartbeats until `work` settles. kafkajs only heartbeats between batches: a batch the pipeline holds back
 * (Elasticsearch slow or away) longer than the session timeout would otherwise get the member evicted, and the
 * rebalance hands its partitions to others that may be held back the same way.
 */
async function heartbeatingWhile<T>(
  work: Promise<T>,
  heartbeat: () => Promise<void>,
  everyMs: number,
  signal: AbortSignal,
): Promise<T> {
  const timer = setInterval(() => {
    // A failed heartbeat (a rebalance under way) is kafkajs's to act on at the next batch.
    heartbeat().catch(() => undefined);
  }, everyMs);
  // A stopping pipeline may never take the batch: the heartbeats end with the input, and never keep a process up.
  timer.unref();
  const stop = () => clearInterval(timer);
  signal.addEventListener('abort', stop, { once: true });
  try {
    return await work;
  } finally {
    stop();
    signal.removeEventListener('abort', stop);
  }
}

/**
 * A consumer's `eachBatch`: decodes a partition's batch, hands its records to the pipeline and commits the offset
 * after the last message only once the pipeline says they are written (at-least-once, never ahead of the writes).
 */
export function batchHandler(ctx: SourceContext, commits: OffsetCommits, reading: BatchReading) {
  return async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    const { topic, partition } = batch;
    const records: PipelineRecord[] = [];
    let last: string | undefined;
    let bytes = 0;
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || ctx.signal.aborted) break;
      bytes += message.value?.length ?? 0;
      try {
        const record = reading.decode(topic, partition, message);
        if (record !== undefined) records.push(record);
      } catch (error) {
        ctx.counters.recordsFailed();
        ctx.deadLetter({
          plugin: reading.plugin,
          reason: (error as Error).message,
          origin: `${topic}/${partition}/${message.offset}`,
          raw:
            message.value === null
              ? ''
              : (reading.raw?.(topic, message.value) ?? message.value.toString('utf8')),
        });
      }
      resolveOffset(message.offset);
      last = message.offset;
    }
    if (last === undefined) return;
    const next = (BigInt(last) + 1n).toString();
    reading.fetched?.(topic, records.length, bytes);
    ctx.counters.recordsIn(records.length);
    commits.handedOver();
    await heartbeatingWhile(
      ctx.emit(records, () => commits.commit({ topic, partition, offset: next })),
      heartbeat,
      reading.heartbeatMs,
      ctx.signal,
    );
    await heartbeat();
  };
}
