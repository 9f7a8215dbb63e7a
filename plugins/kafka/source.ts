import { type Consumer, Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { SuricataFileParser } from '../../codecs/suricata/parser.js';
import { ZeekFileParser } from '../../codecs/zeek/parser.js';
import type { FileContext, FileParser, Unit } from '../../src/codec/types.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';

export type TopicFormat = 'zeek' | 'suricata';

export interface KafkaInputOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  fromBeginning: boolean;
  topics: Array<{ topic: string; format: TopicFormat }>;
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
 * Consumes topics of Zeek JSON or Suricata EVE lines. Offsets are committed by hand, only once the pipeline has
 * written (or dead-lettered) every record before them: after a crash the consumer group gets the uncommitted
 * messages again, and their documents get the same ids (topic/partition/offset, or the Zeek uid), so
 * at-least-once delivery ends as exactly-once in Elasticsearch.
 */
class KafkaInput {
  private readonly parsers = new Map<string, FileParser>();
  private readonly formats: Map<string, TopicFormat>;
  private readonly now: () => number;
  private unwritten = 0;
  private allWritten: (() => void) | undefined;

  constructor(
    private readonly options: KafkaInputOptions,
    private readonly ctx: SourceContext,
  ) {
    this.formats = new Map(options.topics.map((t) => [t.topic, t.format]));
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
      await consumer.subscribe({ topics: [...this.formats.keys()], fromBeginning: options.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const { topic, partition } = batch;
          const parser = this.parserFor(topic, partition);
          const records = [];
          let last: string | undefined;
          for (const message of batch.messages) {
            if (!isRunning() || isStale() || ctx.signal.aborted) break;
            const offset = Number(message.offset);
            const unit: Unit = { text: message.value?.toString('utf8') ?? '', offset, number: offset };
            try {
              const record = parser.parse(unit);
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

  /** One parser per partition: a partition is an ordered stream like a file, and its position the offset. */
  private parserFor(topic: string, partition: number): FileParser {
    const key = `${topic}/${partition}`;
    let parser = this.parsers.get(key);
    if (parser !== undefined) return parser;
    const now = this.now;
    const context: FileContext = {
      // The topic name tells the Zeek log (`zeek-conn`, `zeek_dns`) when the record does not.
      path: topic,
      fingerprint: `kafka:${key}`,
      timezone: 'UTC',
      get reference() {
        return now();
      },
      localNetworks: this.options.localNetworks,
      now,
    };
    parser =
      this.formats.get(topic) === 'zeek' ? new ZeekFileParser(context) : new SuricataFileParser(context);
    this.parsers.set(key, parser);
    return parser;
  }
}

export function createKafkaSource(options: KafkaInputOptions): Source {
  return {
    name: 'kafka',
    run: (ctx) => new KafkaInput(options, ctx).run(),
  };
}
