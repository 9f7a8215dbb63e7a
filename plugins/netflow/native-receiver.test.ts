import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { type PackedDatagram, readDatagramBatch } from './datagram-batch.js';
import { loadNativeReceiver, type NativeReceiver } from './native-receiver.js';

const loaded = loadNativeReceiver();

/** A datagram whose bytes say which it is and how long, so that any mix-up or torn copy shows. */
function datagram(index: number): Buffer {
  const data = Buffer.alloc(16 + ((index * 7919) % 9000));
  data.writeUInt32BE(index, 0);
  for (let i = 4; i < data.length; i++) data[i] = (index + i) & 0xff;
  return data;
}

describe.runIf(process.platform === 'linux')('native UDP receiver', () => {
  it('is built on Linux (npm ci builds it)', () => {
    expect(loaded).toHaveProperty('UdpReceiver');
  });

  it('hands out every datagram intact and in order through a ring far smaller than the traffic', async () => {
    if (!('UdpReceiver' in loaded)) throw new Error(loaded.unavailable);
    const received: PackedDatagram[] = [];
    let receiver: NativeReceiver | undefined;
    let taking = false;
    // Taking slowly, a few datagrams at a time, so that the receiving thread wraps and waits on a full ring.
    const take = () => {
      if (taking || !receiver) return;
      taking = true;
      setTimeout(() => {
        taking = false;
        const taken = receiver?.take(64 * 1024, 7);
        if (taken) {
          readDatagramBatch(taken[0], (d) => received.push({ ...d, data: Buffer.from(d.data) }));
          expect(taken[1]).toBeLessThanOrEqual(7);
        }
        if (taken) take();
      }, 1);
    };
    // The smallest ring the addon allows: four of the largest entries, about 256 KiB.
    receiver = new loaded.UdpReceiver('127.0.0.1', 4, 0, 8 * 1024 * 1024, 1, take);
    const port = receiver.stats().localPort ?? 0;
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    const count = 600;
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const data = datagram(i);
      bytes += data.length;
      await new Promise<void>((resolve, reject) =>
        sender.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
    }
    expect(bytes).toBeGreaterThan(8 * 256 * 1024);
    const deadline = Date.now() + 10_000;
    while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const senderPort = sender.address().port;
    sender.close();
    receiver.close();
    expect(received.map((d) => d.data.readUInt32BE(0))).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(received.every((d, i) => d.data.equals(datagram(i)))).toBe(true);
    expect(new Set(received.map((d) => `${d.address}:${d.port}`))).toEqual(
      new Set([`127.0.0.1:${senderPort}`]),
    );
    expect(Math.abs(received[0].receivedAt - Date.now())).toBeLessThan(60_000);
    expect(receiver.stats()).toMatchObject({ received: count });
  });

  it('writes IPv4 exporters on a dual-stack IPv6 socket in their IPv4 form', async () => {
    if (!('UdpReceiver' in loaded)) throw new Error(loaded.unavailable);
    const received: PackedDatagram[] = [];
    const receiver: NativeReceiver = new loaded.UdpReceiver('::', 6, 0, 0, 1, () => {
      const taken = receiver.take(1 << 20, 100);
      if (taken) readDatagramBatch(taken[0], (d) => received.push(d));
    });
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((resolve) =>
      sender.send(Buffer.from('v4'), receiver.stats().localPort ?? 0, '127.0.0.1', () => resolve()),
    );
    const deadline = Date.now() + 5_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    sender.close();
    receiver.close();
    expect(received.map((d) => d.address)).toEqual(['127.0.0.1']);
  });

  it('shares a port with reusePort, each sender staying with one receiver', async () => {
    if (!('UdpReceiver' in loaded)) throw new Error(loaded.unavailable);
    const sources = [new Map<number, number>(), new Map<number, number>()];
    const receivers: NativeReceiver[] = [];
    const receiverOf = (i: number) => () => {
      const taken = receivers[i]?.take(1 << 20, 1000);
      if (taken)
        readDatagramBatch(taken[0], (d) => sources[i].set(d.port, (sources[i].get(d.port) ?? 0) + 1));
    };
    receivers.push(new loaded.UdpReceiver('127.0.0.1', 4, 0, 0, 1, receiverOf(0), true));
    const port = receivers[0].stats().localPort ?? 0;
    receivers.push(new loaded.UdpReceiver('127.0.0.1', 4, port, 0, 1, receiverOf(1), true));
    // Without reusePort the port stays taken.
    expect(() => new loaded.UdpReceiver('127.0.0.1', 4, port, 0, 1, () => {})).toThrow(
      expect.objectContaining({ code: 'EADDRINUSE' }),
    );
    const senders = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const sender = dgram.createSocket('udp4');
        await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
        return sender;
      }),
    );
    for (let round = 0; round < 5; round++)
      for (const sender of senders)
        await new Promise<void>((resolve, reject) =>
          sender.send(Buffer.from('x'), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
        );
    const deadline = Date.now() + 5_000;
    const total = () => [...sources[0].values(), ...sources[1].values()].reduce((a, b) => a + b, 0);
    while (total() < 80 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const senderPorts = senders.map((sender) => sender.address().port);
    for (const sender of senders) sender.close();
    for (const receiver of receivers) receiver.close();
    expect(total()).toBe(80);
    // Every sender's five datagrams went to one receiver; with 16 senders both receivers got some.
    for (const senderPort of senderPorts) {
      expect([sources[0].get(senderPort) ?? 0, sources[1].get(senderPort) ?? 0].sort()).toEqual([0, 5]);
    }
    expect(sources[0].size).toBeGreaterThan(0);
    expect(sources[1].size).toBeGreaterThan(0);
  });

  it('fails to bind with the system error code', () => {
    if (!('UdpReceiver' in loaded)) throw new Error(loaded.unavailable);
    const first = new loaded.UdpReceiver('127.0.0.1', 4, 0, 0, 1, () => {});
    const port = first.stats().localPort ?? 0;
    try {
      expect(() => new loaded.UdpReceiver('127.0.0.1', 4, port, 0, 1, () => {})).toThrow(
        expect.objectContaining({ code: 'EADDRINUSE' }),
      );
      expect(() => new loaded.UdpReceiver('not-an-address', 4, 0, 0, 1, () => {})).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
    } finally {
      first.close();
    }
  });
});
