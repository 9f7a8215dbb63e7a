import { type Admin, Kafka, logLevel } from 'kafkajs';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Messages past the group's committed offset (all that the partition holds when nothing is committed). */
  lag: number;
}

/**
 * Lag of `assignment`'s partitions (of every partition of its topics when a topic's list is absent): the end of
 * each partition's log against what the group committed.
 */
export async function partitionLags(
  admin: Admin,
  groupId: string,
  assignment: ReadonlyMap<string, readonly number[] | undefined>,
): Promise<PartitionLag[]> {
  const topics = [...assignment.keys()];
  if (topics.length === 0) return [];
  const committed = new Map<string, bigint>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics }))
    for (const { partition, offset } of partitions) committed.set(`${topic}/${partition}`, BigInt(offset));
  const lags: PartitionLag[] = [];
  for (const topic of topics) {
    const wanted = assignment.get(topic);
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
      if (wanted !== undefined && !wanted.includes(partition)) continue;
      const done = committed.get(`${topic}/${partition}`) ?? -1n;
      const start = done < 0n ? BigInt(low) : done;
      const lag = BigInt(high) - start;
      lags.push({ topic, partition, lag: Number(lag > 0n ? lag : 0n) });
    }
  }
  return lags;
}

export interface PartitionState extends PartitionLag {
  /** Broker id of the partition's leader; -1 while it has none. */
  leader: number;
  replicas: number[];
  /** The replicas in sync with the leader: fewer than `replicas` while a broker is down or catching up. */
  isr: number[];
}

/** A consumer group's lag over every partition of `topics`, with each partition's leader and replicas. */
export async function groupLag(
  brokers: string[],
  groupId: string,
  topics: string[],
): Promise<PartitionState[]> {
  const admin = new Kafka({
    brokers,
    clientId: 'flowtrail-status',
    connectionTimeout: 2_000,
    retry: { retries: 1 },
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length === 0) return [];
    const lags = await partitionLags(admin, groupId, new Map(present.map((t) => [t, undefined])));
    const placement = new Map<string, { leader: number; replicas: number[]; isr: number[] }>();
    for (const { name, partitions } of (await admin.fetchTopicMetadata({ topics: present })).topics)
      for (const p of partitions)
        placement.set(`${name}/${p.partitionId}`, { leader: p.leader, replicas: p.replicas, isr: p.isr });
    return lags.map((lag) => ({
      ...lag,
      ...(placement.get(`${lag.topic}/${lag.partition}`) ?? { leader: -1, replicas: [], isr: [] }),
    }));
  } finally {
    await admin.disconnect();
  }
}
