import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { openRing, RingOpenError, type RingOptions, ringUnavailable } from './ring.js';

const OPTIONS: Omit<RingOptions, 'interface'> = {
  filter: '',
  snaplen: 262_144,
  promiscuous: false,
  blockBytes: 1 << 20,
  blocks: 2,
  blockTimeoutMs: 10,
};

const PCAP_NANOSECOND_MAGIC = 0xa1b23c4d;

interface PcapRecord {
  captured: number;
  original: number;
  seconds: number;
}

/** The records of a pcap stream the ring wrote (little-endian: this machine's order). */
function records(stream: Buffer): { header: number[]; records: PcapRecord[] } {
  if (stream.length < 24) return { header: [], records: [] };
  const header = [0, 16, 20].map((at) => stream.readUInt32LE(at));
  const found: PcapRecord[] = [];
  for (let at = 24; at + 16 <= stream.length; ) {
    const captured = stream.readUInt32LE(at + 8);
    found.push({ seconds: stream.readUInt32LE(at), captured, original: stream.readUInt32LE(at + 12) });
    at += 16 + captured;
  }
  return { header, records: found };
}

const unprivileged = process.getuid?.() !== 0 ? 'needs root (CAP_NET_RAW) to open packet sockets' : undefined;

describe.skipIf(ringUnavailable() !== undefined || unprivileged !== undefined)('a live capture ring', () => {
  it('reads loopback as a pcap stream: its header, each packet once, the filter and snap length applied', async () => {
    const port = 41_000 + Math.floor(Math.random() * 10_000);
    const ring = openRing({ ...OPTIONS, interface: 'lo', filter: `udp and dst port ${port}`, snaplen: 128 });
    const socket = createSocket('udp4');
    try {
      for (const target of [port, port, port + 1, port]) {
        await new Promise<void>((resolve, reject) =>
          socket.send(Buffer.alloc(300, 7), target, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
        );
      }
      const chunks: Buffer[] = [];
      for (let empty = 0; empty < 5 && records(Buffer.concat(chunks)).records.length < 3; ) {
        const chunk = await ring.read(100);
        if (chunk === undefined) empty++;
        else chunks.push(chunk);
      }
      const { header, records: found } = records(Buffer.concat(chunks));
      expect(header).toEqual([PCAP_NANOSECOND_MAGIC, 128, 1]);
      // Ethernet (14) + IPv4 (20) + UDP (8) + 300 bytes, cut to the snap length; the datagram to port + 1 filtered out.
      expect(found.map((r) => [r.captured, r.original])).toEqual([
        [128, 342],
        [128, 342],
        [128, 342],
      ]);
      expect(Math.abs(found[0].seconds - Date.now() / 1000)).toBeLessThan(60);
      expect(ring.stats()).toMatchObject({ frames: 3, kernelDrops: 0, unbuffered: 0, socketErrors: 0 });
      expect(ring.linktype()).toBe(1);
    } finally {
      socket.close();
      ring.close();
    }
  });

  it('names the interface it cannot open and why', () => {
    let error: unknown;
    try {
      openRing({ ...OPTIONS, interface: 'ftnosuch0' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RingOpenError);
    expect(error).toMatchObject({
      interfaceName: 'ftnosuch0',
      permission: false,
      message: 'no such interface',
    });
  });

  it('refuses a filter libpcap cannot compile, with its reason', () => {
    expect(() => openRing({ ...OPTIONS, interface: 'lo', filter: 'port banana' })).toThrow(
      /bad capture filter: .+/,
    );
  });
});
