import { CompressionTypes, type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { RetryableError, StoreError } from '../../src/errors.js';
import type { OutgoingRecord, Sink, SinkOutcome } from '../../src/pipeline/types.js';
import { kafkaClient } from './client.js';
import { type KindTopics, kindOf, messageOf } from './messages.js';

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
 * Writes each batch with one idempotent `sendBatch`, acknowledged by all in-sync replicas (acks=all). `write`
 * resolves only once Kafka acknowledged the batch, and the pipeline releases a source's position (NetFlow journal
 * segment, file offset) only after that: a collector that dies in between sends the records again, with the same
 * ids, which the indexers store as no-ops. Sends run one at a time, so messages of one key reach their partition
 * in the order the collector produced them.
 */
export class KafkaSink implements Sink {
  readonly name = 'kafka';
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;
  private sending: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: KafkaOutputOptions) {
    this.kafka = kafkaClient(options, options.logger);
    this.producer = this.kafka.producer({
      idempotent: true,
      // The idempotent producer keeps sequence numbers per partition; one request in flight keeps them in order.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2 of the key, as the Java client partitions: a key lands where other Kafka clients would put it.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Creates the topics that are missing; a cluster that cannot be reached now is tried again at the first write. */
  async start(): Promise<void> {
    try {
      await this.ensureTopics();
    } catch (err) {
      const failure = sendFailure(err);
      if (!(failure instanceof RetryableError)) throw failure;
      this.options.logger.warn(
        { err: failure.message },
        'kafka is not reachable yet; its topics are checked later',
      );
    }
  }

  private topicsChecked = false;

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
      this.connected ??= this.producer.connect().catch((err: unknown) => {
        this.connected = undefined;
        throw err;
      });
      await this.connected;
      await this.producer.sendBatch({
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1,
        timeout: this.options.ackTimeoutMs,
        compression: COMPRESSION[this.options.compression],
      });
    } catch (err) {
      throw sendFailure(err);
    }
    return outcome;
  }

  async close(): Promise<void> {
    await this.sending;
    if (this.connected) await this.producer.disconnect();
  }
}
