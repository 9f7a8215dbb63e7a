import { describe, expect, it } from 'vitest';
import {
  DatagramBatchWriter,
  filterDatagramBatch,
  type PackedDatagram,
  readDatagramBatch,
} from './datagram-batch.js';

function unpack(buffer: ArrayBuffer): PackedDatagram[] {
  const out: PackedDatagram[] = [];
  readDatagramBatch(buffer, (d) => out.push({ ...d, data: Buffer.from(d.data) }));
  return out;
}

describe('datagram batches', () => {
  it('packs datagrams with exporter address, port and arrival time, and reads them back in order', () => {
    const writer = new DatagramBatchWriter();
    writer.append(Buffer.from([1, 2, 3]), '192.0.2.1', 2055, 1_700_000_000_123.5);
    writer.append(Buffer.alloc(0), '2001:db8::1', 65535, 0);
    writer.append(Buffer.from('x'.repeat(1400)), '10.0.0.7', 1, 42);
    expect(writer.packets).toBe(3);
    const { buffer, packets } = writer.take();
    expect(packets).toBe(3);
    // A 15-byte header, the address and the data per datagram.
    expect(buffer.byteLength).toBe(3 * 15 + (9 + 11 + 8) + (3 + 0 + 1400));
    expect(unpack(buffer)).toEqual([
      { data: Buffer.from([1, 2, 3]), address: '192.0.2.1', port: 2055, receivedAt: 1_700_000_000_123.5 },
      { data: Buffer.alloc(0), address: '2001:db8::1', port: 65535, receivedAt: 0 },
      { data: Buffer.from('x'.repeat(1400)), address: '10.0.0.7', port: 1, receivedAt: 42 },
    ]);
  });

  it('hands out only the bytes used and starts the next batch empty', () => {
    const writer = new DatagramBatchWriter();
    writer.append(Buffer.from([9]), '192.0.2.1', 9, 1);
    const first = writer.take();
    expect(first.buffer.byteLength).toBe(15 + '192.0.2.1'.length + 1);
    writer.append(Buffer.from([8, 8]), '192.0.2.2', 8, 2);
    const second = writer.take();
    expect(unpack(first.buffer).map((d) => d.address)).toEqual(['192.0.2.1']);
    expect(unpack(second.buffer).map((d) => [...d.data])).toEqual([[8, 8]]);
    expect(writer.take().packets).toBe(0);
  });

  it('tells when a datagram no longer fits, and always fits the largest UDP payload into an empty batch', () => {
    const writer = new DatagramBatchWriter(1);
    const largest = Buffer.alloc(65_535, 7);
    expect(writer.fits(largest.length, '2001:db8::ffff:ffff')).toBe(true);
    writer.append(largest, '2001:db8::ffff:ffff', 2055, 5);
    expect(writer.fits(largest.length, '2001:db8::ffff:ffff')).toBe(false);
    const [datagram] = unpack(writer.take().buffer);
    expect(datagram.data.equals(largest)).toBe(true);
  });

  it('filters out the datagrams of refused exporters in place, keeping the others in order', () => {
    const writer = new DatagramBatchWriter();
    writer.append(Buffer.from([1]), '192.0.2.1', 1, 1);
    writer.append(Buffer.from([2, 2]), '198.51.100.9', 2, 2);
    writer.append(Buffer.from([3, 3, 3]), '192.0.2.2', 3, 3);
    writer.append(Buffer.from([4]), '198.51.100.9', 4, 4);
    const refused: string[] = [];
    const kept = filterDatagramBatch(
      writer.take(),
      (address) => address.startsWith('192.0.2.'),
      (address, port) => refused.push(`${address}:${port}`),
    );
    expect(kept.packets).toBe(2);
    expect(unpack(kept.buffer).map((d) => [d.address, [...d.data]])).toEqual([
      ['192.0.2.1', [1]],
      ['192.0.2.2', [3, 3, 3]],
    ]);
    expect(refused).toEqual(['198.51.100.9:2', '198.51.100.9:4']);
  });
});
