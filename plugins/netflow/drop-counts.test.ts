import { describe, expect, it } from 'vitest';
import { DatagramBatchWriter } from './datagram-batch.js';
import { DropCounts } from './drop-counts.js';

describe('drop counts', () => {
  it('names at most a thousand senders and adds the rest up under "other"', () => {
    const drops = new DropCounts();
    for (let i = 0; i < 1500; i++) drops.add(`192.0.2.${i % 256}:${1000 + i}`);
    drops.add('192.0.2.0:1000');
    const bySender = drops.bySenderObject();
    expect(Object.keys(bySender)).toHaveLength(1001);
    expect(bySender.other).toBe(500);
    expect(bySender['192.0.2.0:1000']).toBe(2);
    expect(drops.total).toBe(1501);
  });

  it('counts each datagram of a batch dropped whole by its sender', () => {
    const writer = new DatagramBatchWriter();
    writer.append(Buffer.from([1]), '192.0.2.1', 2055, 0);
    writer.append(Buffer.from([2]), '192.0.2.1', 2055, 0);
    writer.append(Buffer.from([3]), '2001:db8::1', 4739, 0);
    const drops = new DropCounts();
    drops.addBatch(writer.take().buffer);
    expect(drops.bySenderObject()).toEqual({ '192.0.2.1:2055': 2, '2001:db8::1:4739': 1 });
    expect(drops.total).toBe(3);
  });
});
