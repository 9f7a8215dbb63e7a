import { Counter, Gauge, type Registry } from 'prom-client';

/** What a consumer group member (`flowtrail index`) reports: lag, throughput and rebalances, on the `/metrics` page. */
export class KafkaConsumerMetrics {
  private readonly lag: Gauge<'topic' | 'partition'>;
  private readonly records: Counter<'topic'>;
  private readonly bytes: Counter<'topic'>;
  private readonly rebalances: Counter;
  private readonly assigned: Gauge;
  private readonly commits: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.lag = new Gauge({
      name: 'flowtrail_kafka_consumer_lag',
      help: "Messages of a partition assigned to this indexer past its group's committed offset",
      labelNames: ['topic', 'partition'],
      registers: [registry],
    });
    this.records = new Counter({
      name: 'flowtrail_kafka_consumed_records_total',
      help: 'Messages consumed from Kafka, by topic (their rate is the throughput)',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.bytes = new Counter({
      name: 'flowtrail_kafka_consumed_bytes_total',
      help: 'Bytes of message values consumed from Kafka, by topic',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.rebalances = new Counter({
      name: 'flowtrail_kafka_rebalances_total',
      help: 'Times this indexer joined its consumer group and got partitions assigned anew',
      registers: [registry],
    });
    this.assigned = new Gauge({
      name: 'flowtrail_kafka_assigned_partitions',
      help: 'Partitions assigned to this indexer now',
      registers: [registry],
    });
    this.commits = new Counter({
      name: 'flowtrail_kafka_offset_commits_total',
      help: 'Offset commits after written batches, by outcome (a failed one is covered by the next, or redelivered)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  rebalanced(partitions: number): void {
    this.rebalances.inc();
    this.assigned.set(partitions);
    this.lag.reset();
  }

  fetched(topic: string, messages: number, bytes: number): void {
    this.records.inc({ topic }, messages);
    this.bytes.inc({ topic }, bytes);
  }

  committed(ok: boolean): void {
    this.commits.inc({ outcome: ok ? 'ok' : 'failed' });
  }

  lagged(topic: string, partition: number, lag: number): void {
    this.lag.set({ topic, partition: String(partition) }, lag);
  }
}
