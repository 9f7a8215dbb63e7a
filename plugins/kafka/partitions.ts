import type { ICustomPartitioner, Message, PartitionMetadata } from 'kafkajs';

export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: Message[];
}

/**
 * Splits a batch into one send per partition, each message given the partition kafkajs's default partitioner
 * (murmur2 of the key, as the Java client) picks for it. kafkajs 2.2.4 keeps, across the retries of one send, the
 * answers of the brokers that took their part, and never sends to those again: when a failed broker's partitions
 * move to one of them, those messages are dropped while the send resolves. The cluster test lost 32 and 2,494
 * acknowledged records that way when a broker was killed. A send to one partition has one leader, so its retry
 * goes to the new leader with every message.
 */
export function byPartition(
  byTopic: ReadonlyMap<string, readonly Message[]>,
  partitionsOf: (topic: string) => PartitionMetadata[] | undefined,
  partitioner: ReturnType<ICustomPartitioner>,
): PartitionBatch[] {
  const batches = new Map<string, PartitionBatch>();
  for (const [topic, messages] of byTopic) {
    const partitionMetadata = partitionsOf(topic);
    if (partitionMetadata === undefined || partitionMetadata.length === 0)
      throw new Error(`no partitions known for topic ${topic}`);
    for (const message of messages) {
      const partition = partitioner({ topic, partitionMetadata, message });
      const key = `${topic}\u0000${partition}`;
      let batch = batches.get(key);
      if (batch === undefined) {
        batch = { topic, partition, messages: [] };
        batches.set(key, batch);
      }
      batch.messages.push({ ...message, partition });
    }
  }
  return [...batches.values()];
}
