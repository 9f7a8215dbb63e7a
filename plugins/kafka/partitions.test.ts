import { type Message, Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { byPartition } from './partitions.js';

const partitions = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
  }));

describe('one send per partition', () => {
  it('puts each message in the partition kafkajs would have chosen, one batch per topic and partition', () => {
    const flows = Array.from(
      { length: 40 },
      (_, i): Message => ({ key: `exporter-${i % 7}`, value: `f${i}` }),
    );
    const alerts: Message[] = [{ key: 'session-1', value: 'a0' }];
    const metadata = new Map([
      ['flows', partitions(4)],
      ['alerts', partitions(2)],
    ]);
    const batches = byPartition(
      new Map([
        ['flows', flows],
        ['alerts', alerts],
      ]),
      (topic) => metadata.get(topic),
      Partitioners.DefaultPartitioner(),
    );
    const reference = Partitioners.DefaultPartitioner();
    const sent = batches.flatMap((b) => b.messages.map((m) => ({ batch: b, m })));
    expect(sent).toHaveLength(41);
    for (const { batch, m } of sent) {
      expect(m.partition).toBe(batch.partition);
      expect(batch.partition).toBe(
        reference({ topic: batch.topic, partitionMetadata: metadata.get(batch.topic) ?? [], message: m }),
      );
    }
    const keys = new Set(batches.map((b) => `${b.topic}/${b.partition}`));
    expect(keys.size).toBe(batches.length);
    // One key, one partition: an exporter's records keep their order.
    for (const key of new Set(flows.map((m) => m.key)))
      expect(new Set(sent.filter(({ m }) => m.key === key).map(({ batch }) => batch.partition)).size).toBe(1);
    // Within a partition the messages keep the batch's order.
    for (const batch of batches.filter((b) => b.topic === 'flows')) {
      const order = batch.messages.map((m) => Number(String(m.value).slice(1)));
      expect(order).toEqual([...order].sort((x, y) => x - y));
    }
  });

  it('refuses a topic whose partitions it does not know', () => {
    const partitioner = Partitioners.DefaultPartitioner();
    expect(() =>
      byPartition(new Map([['flows', [{ key: 'k', value: 'v' }]]]), () => undefined, partitioner),
    ).toThrow(/no partitions known for topic flows/);
  });
});
