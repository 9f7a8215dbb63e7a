import { Counter, Gauge, type Registry } from 'prom-client';

/** What a consumer group member (`flowtrail index`) reports: lag, throughput and rebalances, on the `/metrics` page. */
export class KafkaConsumerMetrics {
  private readonly lag: Gauge<'topic' | 'partition'>;
  private readonly records: Counter<'topic'>;
  private readonly bytes: Counter<'topic'>;
  private readonly rebalances: Counter;
  private readonly assigned: Gauge;
  private readonly commits: Counter<'outcome'>;
  /** Per `topic/partition`: the end of the log as the last fetch saw it, and the offset committed since. */
  private readonly positions = new Map<string, { highWatermark: bigint; committed: bigint }>();

  constructor(registry: Registry) {
    this.lag = new Gauge({
      name: 'flowtrail_kafka_consumer_lag',
      help: 'Messages of an assigned partition past the offset this indexer committed (as of its last fetch)',
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
    this.positions.clear();
    this.lag.reset();
  }

  /** A fetched batch; the first of a partition since the rebalance starts where the group had committed. */
  fetched(
    topic: string,
    partition: number,
    batch: { firstOffset: string; highWatermark: string; messages: number; bytes: number },
  ): void {
    this.records.inc({ topic }, batch.messages);
    this.bytes.inc({ topic }, batch.bytes);
    const key = `${topic}/${partition}`;
    const position = this.positions.get(key) ?? { highWatermark: 0n, committed: BigInt(batch.firstOffset) };
    position.highWatermark = BigInt(batch.highWatermark);
    this.positions.set(key, position);
    this.showLag(topic, partition, position);
  }

  committed(topic: string, partition: number, offset: string): void {
    this.commits.inc({ outcome: 'ok' });
    const position = this.positions.get(`${topic}/${partition}`);
    if (position === undefined) return;
    position.committed = BigInt(offset);
    this.showLag(topic, partition, position);
  }

  commitFailed(): void {
    this.commits.inc({ outcome: 'failed' });
  }

  private showLag(
    topic: string,
    partition: number,
    position: { highWatermark: bigint; committed: bigint },
  ): void {
    const lag = position.highWatermark - position.committed;
    this.lag.set({ topic, partition: String(partition) }, Number(lag > 0n ? lag : 0n));
  }
}
