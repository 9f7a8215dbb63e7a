import { Kafka, logLevel } from 'kafkajs';
import type { KafkaConsumerMetrics } from '../../src/observability/kafka-metrics.js';
import type { PipelineRecord, Source, SourceContext } from '../../src/pipeline/types.js';
import { OffsetCommits } from './commits.js';
import { kafkaLogCreator } from './logger.js';
import { recordOf } from './messages.js';

export interface KafkaRecordsOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  fromBeginning: boolean;
  /** How long the group waits for a silent member before it gives its partitions to the others. */
  sessionTimeoutMs: number;
  /** Topics of the Kafka output: records with their id and dataset in headers. */
  topics: string[];
  metrics: KafkaConsumerMetrics;
  /** How long a stopping indexer waits for its records to be written so it can commit them. */
  stopGraceMs?: number;
}

/**
 * One member of the indexers' consumer group: reads the records collectors wrote to Kafka and hands them to the
 * pipeline as they are (document, id, dataset). A partition's offset is committed only once everything read
 * before it is written; whatever was read but not committed when an indexer dies (or loses the partition in a
 * rebalance) is read again by the partition's next owner, and the documents' ids make that a no-op.
 */
class KafkaRecordsInput {
  /**
   * Partitions assigned since the last rebalance whose first commit is still to come: their records may have been
   * written by the previous owner, so they are marked `replayed` (a data stream then looks them up first).
   */
  private readonly unsettled = new Set<string>();

  constructor(
    private readonly options: KafkaRecordsOptions,
    private readonly ctx: SourceContext,
  ) {}

  async run(): Promise<void> {
    const { ctx, options } = this;
    const kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(ctx.logger),
    });
    const consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      // kafkajs's defaults keep this ratio (30 s and 3 s): ten heartbeats fit in a session timeout.
      heartbeatInterval: Math.max(100, Math.floor(options.sessionTimeoutMs / 10)),
    });
    const stopped = new Promise<void>((resolve, reject) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      // kafkajs restarts the consumer after retriable failures; any other one ends the indexer.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assignment = Object.entries(payload.memberAssignment);
      this.unsettled.clear();
      for (const [topic, partitions] of assignment)
        for (const partition of partitions) this.unsettled.add(`${topic}/${partition}`);
      options.metrics.rebalanced(this.unsettled.size);
      ctx.logger.info(
        { group: payload.groupId, partitions: Object.fromEntries(assignment) },
        'kafka partitions assigned',
      );
    });
    const commits = new OffsetCommits(consumer, ctx.logger, {
      committed: ({ topic, partition, offset }) => {
        this.unsettled.delete(`${topic}/${partition}`);
        options.metrics.committed(topic, partition, offset);
      },
      failed: () => options.metrics.commitFailed(),
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const { topic, partition } = batch;
          const replayed = this.unsettled.has(`${topic}/${partition}`);
          const records: PipelineRecord[] = [];
          let last: string | undefined;
          let bytes = 0;
          for (const message of batch.messages) {
            if (!isRunning() || isStale() || ctx.signal.aborted) break;
            bytes += message.value?.length ?? 0;
            try {
              const record = recordOf(message.headers, message.value);
              if (replayed) record.replayed = true;
              records.push(record);
            } catch (error) {
              ctx.counters.recordsFailed();
              ctx.deadLetter({
                plugin: 'kafka-index',
                reason: (error as Error).message,
                origin: `${topic}/${partition}/${message.offset}`,
                raw: message.value?.toString('utf8') ?? '',
              });
            }
            resolveOffset(message.offset);
            last = message.offset;
          }
          if (last === undefined) return;
          const next = (BigInt(last) + 1n).toString();
          options.metrics.fetched(topic, partition, {
            firstOffset: batch.firstOffset() ?? next,
            highWatermark: batch.highWatermark,
            messages: records.length,
            bytes,
          });
          ctx.counters.recordsIn(records.length);
          commits.handedOver();
          await ctx.emit(records, () => commits.commit({ topic, partition, offset: next }));
          await heartbeat();
        },
      });
      await stopped;
      await consumer.stop();
      await commits.waitForWrites(options.stopGraceMs ?? 10_000);
    } finally {
      await consumer.disconnect();
    }
  }
}

export function createKafkaRecordsSource(options: KafkaRecordsOptions): Source {
  return {
    name: 'kafka-index',
    run: (ctx) => new KafkaRecordsInput(options, ctx).run(),
  };
}
