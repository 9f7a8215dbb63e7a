import type { MessageCodec, MessageDecoder } from '../../src/codec/messages.js';
import type { StreamInfo } from '../../src/codec/types.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { batchHandler } from './batch.js';
import { kafkaClient, untilStopped } from './client.js';
import { OffsetCommits } from './commits.js';

/** kafkajs's default, written out because a batch held back by the pipeline heartbeats at the same pace. */
const HEARTBEAT_MS = 3_000;

export interface KafkaInputOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  fromBeginning: boolean;
  /** Each topic with the codec of its messages, one record per message. */
  topics: Array<{ topic: string; codec: MessageCodec }>;
  localNetworks: LocalNetworks;
  now?: () => number;
  /** How long a stopping consumer waits for its records to be written so it can commit them. */
  stopGraceMs?: number;
}

/**
 * Consumes topics of messages, one record per message, each topic in its codec (Zeek JSON, Suricata EVE, GoFlow2's
 * JSON or protobuf flow messages…).
 * Offsets are committed by hand, only once the pipeline has
 * written (or dead-lettered) every record before them: after a crash the consumer group gets the uncommitted
 * messages again, and their documents get the same ids (topic/partition/offset, or the Zeek uid), so
 * at-least-once delivery ends as exactly-once in Elasticsearch.
 */
const EMPTY = Buffer.alloc(0);

class KafkaInput {
  private readonly decoders = new Map<string, MessageDecoder>();
  private readonly codecs: Map<string, MessageCodec>;
  private readonly now: () => number;

  constructor(
    private readonly options: KafkaInputOptions,
    private readonly ctx: SourceContext,
  ) {
    this.codecs = new Map(options.topics.map((t) => [t.topic, t.codec]));
    this.now = options.now ?? Date.now;
  }

  async run(): Promise<void> {
    const { ctx, options } = this;
    const consumer = kafkaClient(options, ctx.logger).consumer({
      groupId: options.groupId,
      heartbeatInterval: HEARTBEAT_MS,
    });
    const stopped = untilStopped(consumer, ctx.signal);
    const commits = new OffsetCommits(consumer, ctx.logger);
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [...this.codecs.keys()], fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: batchHandler(ctx, commits, {
          plugin: 'kafka',
          heartbeatMs: HEARTBEAT_MS,
          decode: (topic, partition, message) =>
            this.decoderFor(topic, partition).decode(message.value ?? EMPTY, Number(message.offset)),
          raw: (topic, value) =>
            (this.codecs.get(topic) as MessageCodec).binary
              ? value.toString('base64')
              : value.toString('utf8'),
        }),
      });
      await stopped;
      await consumer.stop();
      await commits.waitForWrites(options.stopGraceMs ?? 10_000);
    } finally {
      await consumer.disconnect();
    }
  }

  /** One decoder per partition: a partition is an ordered stream like a file, and its position the offset. */
  private decoderFor(topic: string, partition: number): MessageDecoder {
    const key = `${topic}/${partition}`;
    let decoder = this.decoders.get(key);
    if (decoder !== undefined) return decoder;
    const now = this.now;
    const stream: StreamInfo = {
      // The topic name tells the Zeek log (`zeek-conn`, `zeek_dns`) when the record does not.
      name: topic,
      identity: `kafka:${key}`,
      timezone: 'UTC',
      get reference() {
        return now();
      },
      localNetworks: this.options.localNetworks,
      now,
    };
    decoder = (this.codecs.get(topic) as MessageCodec).open(stream);
    this.decoders.set(key, decoder);
    return decoder;
  }
}

export function createKafkaSource(options: KafkaInputOptions): Source {
  return {
    name: 'kafka',
    run: (ctx) => new KafkaInput(options, ctx).run(),
  };
}
