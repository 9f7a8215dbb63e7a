import { type Consumer, Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import type { Codec, StreamInfo, Unit, UnitDecoder } from '../../src/codec/types.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';

export interface KafkaInputOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  fromBeginning: boolean;
  /** Each topic with the codec of its messages, one record per message. */
  topics: Array<{ topic: string; codec: Codec }>;
  localNetworks: LocalNetworks;
  now?: () => number;
  /** How long a stopping consumer waits for its records to be written so it can commit them. */
  stopGraceMs?: number;
}

function kafkaLogger(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...rest } = log;
      if (level === logLevel.ERROR) logger.error(rest, `kafka: ${message}`);
      else if (level === logLevel.WARN) logger.warn(rest, `kafka: ${message}`);
      else logger.debug(rest, `kafka: ${message}`);
    };
}

/**
 * Consumes topics of log lines, one record per message, each topic in its codec (Zeek JSON, Suricata EVE…).
 * Offsets are committed by hand, only once the pipeline has
 * written (or dead-lettered) every record before them: after a crash the consumer group gets the uncommitted
 * messages again, and their documents get the same ids (topic/partition/offset, or the Zeek uid), so
 * at-least-once delivery ends as exactly-once in Elasticsearch.
 */
class KafkaInput {
  private readonly decoders = new Map<string, UnitDecoder>();
  private readonly codecs: Map<string, Codec>;
  private readonly now: () => number;
  private unwritten = 0;
  private allWritten: (() => void) | undefined;

  constructor(
    private readonly options: KafkaInputOptions,
    private readonly ctx: SourceContext,
  ) {
    this.codecs = new Map(options.topics.map((t) => [t.topic, t.codec]));
    this.now = options.now ?? Date.now;
  }

  async run(): Promise<void> {
    const { ctx, options } = this;
    const kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: kafkaLogger(ctx.logger),
    });
    const consumer = kafka.consumer({ groupId: options.groupId });
    const stopped = new Promise<void>((resolve, reject) => {
      if (ctx.signal.aborted) resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      // kafkajs restarts the consumer after retriable failures; any other one ends the input.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) reject(payload.error);
      });
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [...this.codecs.keys()], fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const { topic, partition } = batch;
          const records = [];
          let last: string | undefined;
          for (const message of batch.messages) {
            if (!isRunning() || isStale() || ctx.signal.aborted) break;
            const offset = Number(message.offset);
            const unit: Unit = { text: message.value?.toString('utf8') ?? '', offset, number: offset };
            try {
              const record = this.decoderFor(topic, partition, unit.text).decode(unit);
              if (record !== undefined) records.push(record);
            } catch (error) {
              ctx.counters.recordsFailed();
              ctx.deadLetter({
                plugin: 'kafka',
                reason: (error as Error).message,
                origin: `${topic}/${partition}/${message.offset}`,
                raw: unit.text,
              });
            }
            resolveOffset(message.offset);
            last = message.offset;
          }
          if (last === undefined) return;
          const next = (BigInt(last) + 1n).toString();
          ctx.counters.recordsIn(records.length);
          this.unwritten++;
          await ctx.emit(records, () => this.commit(consumer, topic, partition, next));
          await heartbeat();
        },
      });
      await stopped;
      await consumer.stop();
      await this.waitForWrites();
    } finally {
      await consumer.disconnect();
    }
  }

  private commit(consumer: Consumer, topic: string, partition: number, offset: string): void {
    consumer.commitOffsets([{ topic, partition, offset }]).then(
      () => this.written(),
      (err: Error) => {
        // The next commit covers this one; if none comes, the messages are consumed again (same ids).
        this.ctx.logger.warn({ topic, partition, offset, err: err.message }, 'kafka offset commit failed');
        this.written();
      },
    );
  }

  private written(): void {
    this.unwritten--;
    if (this.unwritten === 0) this.allWritten?.();
  }

  /** What was consumed is written by the pipeline while this waits, so its offsets can still be committed. */
  private async waitForWrites(): Promise<void> {
    if (this.unwritten === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.allWritten = resolve;
      timer = setTimeout(resolve, this.options.stopGraceMs ?? 10_000);
    });
    clearTimeout(timer);
  }

  /**
   * One decoder per partition, opened with its first message: a partition is an ordered stream like a file, and
   * its position the offset.
   */
  private decoderFor(topic: string, partition: number, first: string): UnitDecoder {
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
    decoder = (this.codecs.get(topic) as Codec).open(stream, first);
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
