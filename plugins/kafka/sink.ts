import {
  CompressionTypes,
  type Kafka,
  type Message,
  Partitioners,
  type PartitionMetadata,
  type Producer,
} from 'kafkajs';
import type { Logger } from 'pino';
import { RetryableError, StoreError } from '../../src/errors.js';
import type { OutgoingRecord, Sink, SinkOutcome } from '../../src/pipeline/types.js';
import { kafkaClient } from './client.js';
import { type KindTopics, kindOf, messageOf } from './messages.js';
import { byPartition } from './partitions.js';

export type KafkaCompression = 'none' | 'gzip';

export interface KafkaOutputOptions {
  brokers: string[];
  clientId: string;
  topics: KindTopics;
  compression: KafkaCompression;
  /** How long the brokers may take to acknowledge a batch (all in-sync replicas) before it is sent again. */
  ackTimeoutMs: number;
  /** A record whose message would be larger is refused (dead-lettered): the broker would refuse the whole batch. */
  maxMessageBytes: number;
  /** Topics that do not exist are created with these; existing ones are left as they are. */
  createTopics: { partitions: number; replicationFactor?: number };
  logger: Logger;
}

const COMPRESSION: Record<KafkaCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
};

/** Room for the key, headers and record framing around the document in a message. */
const MESSAGE_OVERHEAD = 512;

/**
 * A failure of a whole send: what Kafka calls retriable (leader moved, broker gone, timeout) and kafkajs's own
 * retries running out are outages the pipeline retries; anything else (authorization, a topic that cannot be
 * written) stops the collector with the broker's reason.
 */
export function sendFailure(err: unknown): Error {
  // kafkajs's error classes are not named exports of its CommonJS module under ESM: told apart by their fields.
  const { name, message, retriable, cause } = err as Error & { retriable?: boolean; cause?: unknown };
  if (name === 'KafkaJSNonRetriableError' && cause instanceof Error) return sendFailure(cause);
  if (retriable === true || /RetriesExceeded|Connection|Timeout|BrokerNotFound|NoBroker/.test(name))
    return new RetryableError(`kafka: ${message}`);
  return new StoreError(`kafka refused a batch: ${message}`);
}

/**
 * Broker answers that mean the producer's id or sequence numbers are no longer what the partition leader has
 * (a leader that died with the last batch unacknowledged, or one restarted without that producer's state). kafkajs
 * calls them final, but a new producer id cures them: the batch is sent again under it, and a record Kafka
 * already had arrives twice with the same document id, which the indexers store once.
 */
const PRODUCER_STATE_LOST = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);
/** The same answers by their text: kafkajs wraps a final error in one that keeps its message but not its type. */
const PRODUCER_STATE_LOST_TEXT = [
  'The broker received an out of order sequence number',
  'This exception is raised by the broker if it could not locate the producer metadata',
  'Producer attempted an operation with an old epoch',
];

export function producerStateLost(err: unknown): boolean {
  const { type, message, cause } = err as { type?: string; message?: string; cause?: unknown };
  if (type !== undefined && PRODUCER_STATE_LOST.has(type)) return true;
  if (typeof message === 'string' && PRODUCER_STATE_LOST_TEXT.some((text) => message.startsWith(text)))
    return true;
  return cause !== undefined && cause !== err && producerStateLost(cause);
}

/**
 * Writes each batch as idempotent sends, one per partition (see byPartition), acknowledged by all in-sync replicas
 * (acks=all). `write` resolves only once Kafka acknowledged every one of them, and the pipeline releases a source's
 * position (NetFlow journal segment, file offset) only after that: a collector that dies in between sends the
 * records again, with the same ids, which the indexers store as no-ops. Batches are sent one at a time, so
 * messages of one key reach their partition in the order the collector produced them.
 */
export class KafkaSink implements Sink {
  readonly name = 'kafka';
  private readonly kafka: Kafka;
  private producer: Producer;
  private connected: Promise<void> | undefined;
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: KafkaOutputOptions) {
    this.kafka = kafkaClient(options, options.logger);
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      // The idempotent producer keeps sequence numbers per partition; one request in flight keeps them in order.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 of the key, as the Java client partitions: a key lands where other Kafka clients would put it.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Drops a producer whose id the brokers no longer accept; the next send connects a new one. */
  private async replaceProducer(err: Error): Promise<void> {
    this.options.logger.warn(
      { err: err.message },
      'kafka producer state lost; sending again with a new producer id',
    );
    const old = this.producer;
    this.producer = this.newProducer();
    this.connected = undefined;
    await old.disconnect().catch(() => undefined);
  }

  /**
   * Creates the topics that are missing; a cluster that cannot be reached now is tried again at the first write.
   * The producer connects in the background: getting its id from a fresh cluster's coordinator (still loading, it
   * answers "retry") would otherwise be the first records' wait, while awaiting it here would hold the inputs back.
   */
  async start(): Promise<void> {
    try {
      await this.ensureTopics();
      this.connect().catch(() => undefined);
    } catch (err) {
      const failure = sendFailure(err);
      if (!(failure instanceof RetryableError)) throw failure;
      this.options.logger.warn(
        { err: failure.message },
        'kafka is not reachable yet; its topics are checked later',
      );
    }
  }

  /** One connection attempt at a time; a failed one is forgotten so that the next write tries again. */
  private connect(): Promise<void> {
    if (this.connected === undefined) {
      const began = Date.now();
      this.connected = this.producer.connect().then(
        () => this.options.logger.info({ took_ms: Date.now() - began }, 'kafka producer connected'),
        (err: unknown) => {
          this.connected = undefined;
          throw err;
        },
      );
    }
    return this.connected;
  }

  private topicsChecked = false;
  /** The output topics' partitions, read once their topics exist: each send goes to one of them. */
  private readonly partitions = new Map<string, PartitionMetadata[]>();
  /** The producer's own (murmur2 of the key, as the Java client), kept across batches like the producer keeps it. */
  private readonly partitioner = Partitioners.DefaultPartitioner();

  private async ensureTopics(): Promise<void> {
    if (this.topicsChecked) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const { partitions, replicationFactor } = this.options.createTopics;
      const missing = [...new Set(Object.values(this.options.topics))].filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await admin.createTopics({
          topics: missing.map((topic) => ({
            topic,
            numPartitions: partitions,
            replicationFactor: replicationFactor ?? -1,
          })),
          waitForLeaders: true,
        });
        this.options.logger.info({ topics: missing, partitions }, 'kafka topics created');
      }
      const metadata = await admin.fetchTopicMetadata({
        topics: [...new Set(Object.values(this.options.topics))],
      });
      for (const topic of metadata.topics) this.partitions.set(topic.name, topic.partitions);
      this.topicsChecked = true;
    } finally {
      await admin.disconnect();
    }
  }

  async write(batch: readonly OutgoingRecord[]): Promise<SinkOutcome> {
    const turn = this.sending.then(() => this.send(batch));
    this.sending = turn.catch(() => undefined);
    return turn;
  }

  private async send(batch: readonly OutgoingRecord[]): Promise<SinkOutcome> {
    const outcome: SinkOutcome = { retry: [], rejected: [] };
    const byTopic = new Map<string, Message[]>();
    for (const item of batch) {
      const size = item.json.length + item.record.id.length + MESSAGE_OVERHEAD;
      if (size > this.options.maxMessageBytes) {
        outcome.rejected.push({
          item,
          reason: `message of ${size} bytes exceeds outputs.kafka.max_message_bytes (${this.options.maxMessageBytes})`,
        });
        continue;
      }
      const kind = kindOf(item.record.dataset);
      const topic = this.options.topics[kind];
      const messages = byTopic.get(topic) ?? [];
      if (messages.length === 0) byTopic.set(topic, messages);
      messages.push(messageOf(kind, item));
    }
    if (byTopic.size === 0) return outcome;
    try {
      await this.ensureTopics();
      await this.connect();
      const producer = this.producer;
      const sends = await Promise.allSettled(
        byPartition(byTopic, (topic) => this.partitions.get(topic), this.partitioner).map(
          ({ topic, messages }) =>
            producer.send({
              topic,
              messages,
              acks: -1,
              timeout: this.options.ackTimeoutMs,
              compression: COMPRESSION[this.options.compression],
            }),
        ),
      );
      // Every send has ended before the batch counts as failed, so that a retry never overlaps one of them.
      const failed = sends.find((send) => send.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (err) {
      if (producerStateLost(err)) {
        await this.replaceProducer(err as Error);
        throw new RetryableError(`kafka: ${(err as Error).message}`);
      }
      throw sendFailure(err);
    }
    return outcome;
  }

  async close(): Promise<void> {
    await this.sending;
    if (!this.connected) return;
    // A connection still being made is waited for (kafkajs bounds its retries): disconnecting under it leaves it open.
    await this.connected.catch(() => undefined);
    await this.producer.disconnect();
  }
}
