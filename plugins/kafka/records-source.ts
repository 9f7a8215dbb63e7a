import type { Admin } from 'kafkajs';
import type { KafkaConsumerMetrics } from '../../src/observability/kafka-metrics.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import { batchHandler } from './batch.js';
import { kafkaClient, untilStopped } from './client.js';
import { OffsetCommits } from './commits.js';
import { partitionLags } from './lag.js';
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
  /** How often the lag of the assigned partitions is read from the brokers. */
  lagIntervalMs?: number;
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
  /** Partitions assigned now, by topic. */
  private assignment = new Map<string, number[]>();
  /** Reads the group's committed offsets and the partitions' ends, for the lag. */
  private admin: Admin | undefined;

  constructor(
    private readonly options: KafkaRecordsOptions,
    private readonly ctx: SourceContext,
  ) {}

  async run(): Promise<void> {
    const { ctx, options } = this;
    const kafka = kafkaClient(options, ctx.logger);
    // kafkajs's defaults keep this ratio (30 s and 3 s): ten heartbeats fit in a session timeout.
    const heartbeatMs = Math.max(100, Math.floor(options.sessionTimeoutMs / 10));
    const consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: heartbeatMs,
    });
    const stopped = untilStopped(consumer, ctx.signal);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assignment = new Map(Object.entries(payload.memberAssignment));
      this.unsettled.clear();
      for (const [topic, partitions] of this.assignment)
        for (const partition of partitions) this.unsettled.add(`${topic}/${partition}`);
      options.metrics.rebalanced(this.unsettled.size);
      ctx.logger.info(
        { group: payload.groupId, partitions: payload.memberAssignment },
        'kafka partitions assigned',
      );
      void this.showLag();
    });
    const commits = new OffsetCommits(consumer, ctx.logger, {
      committed: ({ topic, partition }) => {
        this.unsettled.delete(`${topic}/${partition}`);
        options.metrics.committed(true);
      },
      failed: () => options.metrics.committed(false),
    });
    this.admin = kafka.admin();
    await this.admin.connect();
    const lagTimer = setInterval(() => void this.showLag(), options.lagIntervalMs ?? 10_000);
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: batchHandler(ctx, commits, {
          plugin: 'kafka-index',
          heartbeatMs,
          decode: (topic, partition, message) => {
            const record = recordOf(message.headers, message.value);
            if (this.unsettled.has(`${topic}/${partition}`)) record.replayed = true;
            return record;
          },
          fetched: (topic, records, bytes) => options.metrics.fetched(topic, records, bytes),
        }),
      });
      await stopped;
      await consumer.stop();
      await commits.waitForWrites(options.stopGraceMs ?? 10_000);
    } finally {
      clearInterval(lagTimer);
      await consumer.disconnect();
      await this.admin.disconnect();
    }
  }

  /** Lag is read from the brokers rather than from fetches, so that a partition with nothing new shows it too. */
  private async showLag(): Promise<void> {
    if (this.admin === undefined) return;
    try {
      const lags = await partitionLags(this.admin, this.options.groupId, this.assignment);
      for (const { topic, partition, lag } of lags) this.options.metrics.lagged(topic, partition, lag);
    } catch (err) {
      this.ctx.logger.debug({ err: (err as Error).message }, 'kafka lag not read; tried again later');
    }
  }
}

export function createKafkaRecordsSource(options: KafkaRecordsOptions): Source {
  return {
    name: 'kafka-index',
    run: (ctx) => new KafkaRecordsInput(options, ctx).run(),
  };
}
