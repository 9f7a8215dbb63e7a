import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/random.js';
import { type PackedDatagram, readDatagramBatch } from '../datagram-batch.js';
import { loadNativeReceiver, type NativeReceiver } from '../native-receiver.js';

const loaded = loadNativeReceiver();

/** The smallest ring the addon makes: four of the largest entries (header 15, address 46, data 65 535). */
const RING_BYTES = 4 * (15 + 46 + 65_535);
/** An entry's header and the exporter's address text, `127.0.0.1`. */
const ENTRY_OVERHEAD = 15 + '127.0.0.1'.length;

/** A datagram whose bytes say which it is, so that any mix-up or torn copy shows. */
function datagram(index: number, length: number): Buffer {
  const data = Buffer.alloc(length);
  data.writeUInt32BE(index, 0);
  for (let i = 4; i < length; i++) data[i] = (index * 31 + i) & 0xff;
  return data;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function sender(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function send(socket: dgram.Socket, data: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  );
}

function unpack(taken: [ArrayBuffer, number] | undefined): PackedDatagram[] {
  const out: PackedDatagram[] = [];
  if (taken) readDatagramBatch(taken[0], (d) => out.push({ ...d, data: Buffer.from(d.data) }));
  return out;
}

describe.runIf(process.platform === 'linux')('the native receiver ring', () => {
  it('never copies a batch across the ring end when an entry ends exactly there', async () => {
    if (!('UdpReceiver' in loaded)) throw new Error(loaded.unavailable);
    // Sixteen of these entries fill the ring to its last byte, so the seventeenth starts at offset 0 without a
    // wrap mark; a batch taken from the fourth on must stop at the end and leave the seventeenth for the next.
    const length = RING_BYTES / 16 - ENTRY_OVERHEAD;
    expect(Number.isInteger(length)).toBe(true);
    const receiver: NativeReceiver = new loaded.UdpReceiver('127.0.0.1', 4, 0, 4 * 1024 * 1024, 1, () => {});
    const port = receiver.stats().localPort ?? 0;
    const socket = await sender();
    try {
      for (let i = 0; i < 16; i++) await send(socket, datagram(i, length), port);
      await until(() => receiver.stats().received === 16, 'a full ring');
      for (let i = 16; i < 19; i++) await send(socket, datagram(i, length), port);
      const first = unpack(receiver.take(1 << 20, 3));
      await until(() => receiver.stats().received === 19, 'three entries after the exact fit');
      const rest = [...unpack(receiver.take(1 << 22, 64)), ...unpack(receiver.take(1 << 22, 64))];
      const all = [...first, ...rest];
      expect(all.map((d) => d.data.readUInt32BE(0))).toEqual(Array.from({ length: 19 }, (_, i) => i));
      expect(all.every((d, i) => d.data.equals(datagram(i, length)))).toBe(true);
    } finally {
      socket.close();
      receiver.close();
    }
  });

  it('hands out every datagram intact over many passes of the ring end, exact fits included', async () => {
    if (!('UdpReceiver' in loaded)) throw new Error(loaded.unavailable);
    const next = seededRandom(11);
    // Entries of 1, 2, 4 or 8 times 1/124 of the ring keep every position a multiple of that, so an entry often
    // ends exactly at the ring's end (and otherwise a wrap mark is written).
    const unit = RING_BYTES / 124;
    expect(Number.isInteger(unit)).toBe(true);
    const exact = [1, 2, 4, 8].map((n) => n * unit - ENTRY_OVERHEAD);
    const sizes = Array.from({ length: 3000 }, () => exact[Math.floor(next() * exact.length)]);
    const received: PackedDatagram[] = [];
    const receiver: NativeReceiver = new loaded.UdpReceiver('127.0.0.1', 4, 0, 8 * 1024 * 1024, 1, () => {});
    const port = receiver.stats().localPort ?? 0;
    const socket = await sender();
    let sent = 0;
    try {
      // Sending in bursts and taking batches of random size lets the ring fill and the batches span many entries.
      while (sent < sizes.length) {
        const burst = Math.min(sizes.length - sent, 1 + Math.floor(next() * 40));
        for (let i = 0; i < burst; i++, sent++) await send(socket, datagram(sent, sizes[sent]), port);
        // Taking only now and then, so the ring stays partly full between bursts; a full one waits for a take.
        await until(() => {
          if (next() < 0.5) received.push(...unpack(receiver.take(1 << 22, 1 + Math.floor(next() * 64))));
          return receiver.stats().received === sent;
        }, `${sent} datagrams read`);
      }
      for (let taken = receiver.take(1 << 22, 64); taken; taken = receiver.take(1 << 22, 64))
        received.push(...unpack(taken));
      const passes = sizes.reduce((sum, size) => sum + size + ENTRY_OVERHEAD, 0) / RING_BYTES;
      expect(passes).toBeGreaterThan(20);
      expect(received.map((d) => d.data.readUInt32BE(0))).toEqual(sizes.map((_, i) => i));
      expect(received.every((d, i) => d.data.equals(datagram(i, sizes[i])))).toBe(true);
    } finally {
      socket.close();
      receiver.close();
    }
  });
});
