import { mkdtempSync, readdirSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractSession } from '../../src/packets/extract.js';
import { listRing } from '../../src/packets/ring.js';
import { type SessionEnds, selectorOf } from '../../src/packets/session.js';
import { PacketStore, type PacketStoreSettings } from '../../src/packets/writer.js';
import {
  ethernet,
  type Frame,
  icmpHeader,
  ipv4,
  ipv6,
  pcapFile,
  pcapngFile,
  TCP,
  tcpHeader,
  udpHeader,
} from '../../test/support/packets.js';
import { createRecordingMeter, METER_DEFAULTS, meterUnavailable, selectRecords } from './meter.js';

const T0 = Date.UTC(2026, 10, 21, 22, 5, 34) + 0.125;
const CLIENT = { source: '10.0.0.1', destination: '192.0.2.7' };
const SERVER = { source: '192.0.2.7', destination: '10.0.0.1' };
const V6 = { source: '2001:db8::1', destination: '2001:db8::2' };

/** A TCP exchange, a ping, DNS over IPv6 and one more TCP connection, interleaved, `gap` ms apart. */
function traffic(t0 = T0, gap = 10): Frame[] {
  const ip = [
    ipv4(CLIENT, { protocol: 6 }, tcpHeader(40000, 80, TCP.SYN)),
    ipv4(CLIENT, { protocol: 1 }, icmpHeader(8, 0, 16)),
    ipv4(SERVER, { protocol: 6 }, tcpHeader(80, 40000, TCP.SYN | TCP.ACK)),
    ipv6(V6, 17, udpHeader(5353, 53, 30)),
    ipv4(SERVER, { protocol: 1 }, icmpHeader(0, 0, 16)),
    ipv4(CLIENT, { protocol: 6 }, tcpHeader(40000, 80, TCP.ACK, 100)),
    ipv4(CLIENT, { protocol: 6 }, tcpHeader(40001, 443, TCP.SYN)),
    ipv6({ source: V6.destination, destination: V6.source }, 17, udpHeader(53, 5353, 80)),
    ipv4(SERVER, { protocol: 6 }, tcpHeader(80, 40000, TCP.FIN | TCP.ACK)),
  ];
  return ip.map((packet, i) => ({ ts: t0 + i * gap, data: ethernet(packet, [], i % 2 === 1) }));
}

const HTTP: Omit<SessionEnds, 'fromMs' | 'toMs'> = {
  transport: 'tcp',
  sourceIp: '192.0.2.7',
  sourcePort: 80,
  destinationIp: '10.0.0.1',
  destinationPort: 40000,
};
const ALL_TIME = { fromMs: 0, toMs: 4e12 };

function settings(dir: string, o: Partial<PacketStoreSettings> = {}): PacketStoreSettings {
  return { dir, maxBytes: 1 << 30, maxAgeMs: 86_400_000, fileBytes: 1 << 26, sessionsPerFile: 1024, ...o };
}

function newDir(): string {
  return mkdtempSync(join(tmpdir(), 'flowtrail-ring-'));
}

/** Meters a capture into the store as `ingest pcap` does (CaptureDecoder): push, write, and seal at its end. */
function ingest(store: PacketStore, capture: Buffer, piece = 100, seal = true): void {
  const meter = createRecordingMeter(METER_DEFAULTS, store.settings.sessionsPerFile);
  const writer = store.writer(meter);
  for (let at = 0; at < capture.length; at += piece) {
    meter.push(capture.subarray(at, at + piece));
    writer.afterPush();
  }
  meter.end();
  if (seal) writer.close();
}

function extract(dir: string, ends: Omit<SessionEnds, 'fromMs' | 'toMs'>, range = ALL_TIME) {
  return extractSession({ dir, select: selectRecords }, selectorOf({ ...ends, ...range }));
}

/** The records of a pcap file (after its header) as [time in µs, frame] pairs. */
function recordsOf(pcap: Buffer): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (let at = 24; at + 16 <= pcap.length; ) {
    const captured = pcap.readUInt32LE(at + 8);
    out.push([
      pcap.readUInt32LE(at) * 1e6 + pcap.readUInt32LE(at + 4),
      pcap.subarray(at + 16, at + 16 + captured).toString('hex'),
    ]);
    at += 16 + captured;
  }
  return out;
}

const micros = (ms: number) => Math.round(ms * 1000);
const quiet = () => undefined;

describe.skipIf(meterUnavailable() !== undefined)('the packet store', () => {
  it("keeps every frame and gives back one session's packets, both directions, as they were captured", () => {
    const dir = newDir();
    const store = new PacketStore(settings(dir), quiet);
    const frames = traffic();
    ingest(store, pcapFile(frames));
    expect(store.counters).toMatchObject({ records: frames.length, files: 1, writeErrors: 0 });
    const [file] = listRing(dir);
    expect(file.index).toMatchObject({ records: frames.length, complete: true, sessions: 4, linktype: 1 });

    const http = extract(dir, HTTP);
    expect(http.found).toBe(true);
    if (!http.found) return;
    const expected = [0, 2, 5, 8].map((i) => [micros(frames[i].ts), frames[i].data.toString('hex')]);
    expect(recordsOf(http.pcap)).toEqual(expected);
    expect(http.pcap.readUInt32LE(20)).toBe(1);

    // ICMP between two hosts is one session; IPv6 works alike.
    const ping = extract(dir, { transport: 'icmp', sourceIp: '10.0.0.1', destinationIp: '192.0.2.7' });
    expect(ping.found && ping.packets).toBe(2);
    const dns = extract(dir, {
      ...HTTP,
      transport: 'udp',
      sourceIp: V6.source,
      sourcePort: 5353,
      destinationIp: V6.destination,
      destinationPort: 53,
    });
    expect(dns.found && dns.packets).toBe(2);
    // A portless alert's session: every packet between the two hosts.
    const pair = extract(dir, { sourceIp: '10.0.0.1', destinationIp: '192.0.2.7' });
    expect(pair.found && pair.packets).toBe(7);
  });

  it('keeps the original length of frames a snap length cut', () => {
    const dir = newDir();
    const frames = traffic().map((f) => ({ ...f, captured: 60 }));
    ingest(new PacketStore(settings(dir), quiet), pcapFile(frames));
    const http = extract(dir, HTTP);
    if (!http.found) throw new Error(`not found: ${JSON.stringify(http)}`);
    const lengths: Array<[number, number]> = [];
    for (let at = 24; at < http.pcap.length; at += 16 + http.pcap.readUInt32LE(at + 8))
      lengths.push([http.pcap.readUInt32LE(at + 8), http.pcap.readUInt32LE(at + 12)]);
    expect(lengths).toEqual(
      [0, 2, 5, 8].map((i) => [Math.min(60, frames[i].data.length), frames[i].data.length]),
    );
  });

  it('reads only the time range asked for, and says when the session is older than the ring', () => {
    const dir = newDir();
    ingest(new PacketStore(settings(dir), quiet), pcapFile(traffic()));
    const first = extract(dir, HTTP, { fromMs: T0 - 1, toMs: T0 + 25 });
    expect(first.found && first.packets).toBe(2);
    const before = extract(dir, HTTP, { fromMs: T0 - 60_000, toMs: T0 - 30_000 });
    expect(before).toMatchObject({ found: false, why: 'older', oldestMs: T0 });
    const other = extract(dir, { ...HTTP, destinationPort: 40002 });
    expect(other).toMatchObject({ found: false, why: 'absent' });
    expect(extract(newDir(), HTTP)).toMatchObject({ found: false, why: 'empty' });
  });

  it('rotates files by size and by index size, and finds a session by the indexes without reading every file', () => {
    const dir = newDir();
    const store = new PacketStore(settings(dir, { fileBytes: 300 }), quiet);
    const frames = traffic();
    ingest(store, pcapFile(frames), 60);
    const files = listRing(dir);
    expect(files.length).toBeGreaterThan(2);
    expect(files.every((f) => f.index !== undefined)).toBe(true);
    expect(files.reduce((n, f) => n + (f.index?.records ?? 0), 0)).toBe(frames.length);
    const http = extract(dir, HTTP);
    expect(http.found && http.packets).toBe(4);
    const https = extract(dir, { ...HTTP, sourcePort: 443, destinationPort: 40001 });
    expect(https.found && https.packets).toBe(1);
    expect(https.found && https.filesRead).toBe(1);

    const small = newDir();
    ingest(new PacketStore(settings(small, { sessionsPerFile: 1 }), quiet), pcapFile(frames));
    const sealed = listRing(small);
    expect(sealed.length).toBeGreaterThan(1);
    expect(extract(small, HTTP)).toMatchObject({ found: true, packets: 4 });
  });

  it('deletes the oldest files past the size cap, and files older than the age cap', () => {
    const dir = newDir();
    const capped = settings(dir, { fileBytes: 300, maxBytes: 1200 });
    const store = new PacketStore(capped, quiet);
    ingest(store, pcapFile(traffic(T0)), 60);
    ingest(store, pcapFile(traffic(T0 + 60_000)), 60);
    const files = listRing(dir);
    expect(files.reduce((n, f) => n + f.bytes, 0)).toBeLessThanOrEqual(1200);
    expect(store.counters.deletedFiles).toBeGreaterThan(0);
    const early = extract(dir, HTTP, { fromMs: T0 - 1, toMs: T0 + 1000 });
    expect(early).toMatchObject({ found: false, why: 'older' });
    expect(extract(dir, HTTP, { fromMs: T0 + 59_000, toMs: T0 + 61_000 })).toMatchObject({ found: true });

    const aged = newDir();
    const day = 86_400_000;
    const store2 = new PacketStore(settings(aged, { maxAgeMs: day }), quiet);
    ingest(store2, pcapFile(traffic(T0)));
    const [old] = listRing(aged);
    const twoDaysAgo = (Date.now() - 2 * day) / 1000;
    utimesSync(old.path, twoDaysAgo, twoDaysAgo);
    ingest(store2, pcapFile(traffic(T0 + 60_000)));
    expect(listRing(aged).map((f) => f.name)).not.toContain(old.name);
    expect(listRing(aged)).toHaveLength(1);
  });

  it('keeps reading the ring after a writer died in the middle of a record', () => {
    const dir = newDir();
    const frames = traffic();
    // The first writer never seals its file (killed): no index, and its last record cut short.
    ingest(new PacketStore(settings(dir), quiet), pcapFile(frames), 100, false);
    const [cut] = listRing(dir);
    expect(cut.index).toBeUndefined();
    truncateSync(cut.path, statSync(cut.path).size - 10);
    // A restarted collector writes on into a new file of the same ring.
    const store = new PacketStore(settings(dir), quiet);
    ingest(store, pcapFile(traffic(T0 + 60_000)));
    expect(listRing(dir)).toHaveLength(2);
    const http = extract(dir, HTTP);
    // The cut record was the server's FIN (the capture's last frame): 3 of the first run's 4, all 4 of the second's.
    expect(http.found && http.packets).toBe(7);
    // A damaged index is read as none: the file is searched whole.
    const sealed = listRing(dir)[1];
    writeFileSync(`${sealed.path}.idx`, 'garbage');
    expect(extract(dir, HTTP)).toMatchObject({ found: true, packets: 7 });
  });

  it('goes on metering when the disk fails, counts what it could not keep and says so once', () => {
    const notADirectory = join(newDir(), 'file');
    writeFileSync(notADirectory, '');
    const warnings: string[] = [];
    const store = new PacketStore(settings(join(notADirectory, 'ring')), (_, message) =>
      warnings.push(message),
    );
    const meter = createRecordingMeter(METER_DEFAULTS, 16);
    const writer = store.writer(meter);
    const capture = pcapFile(traffic());
    for (let at = 0; at < capture.length; at += 100) {
      expect(meter.push(capture.subarray(at, at + 100))).toBe(true);
      writer.afterPush();
    }
    meter.end();
    writer.close();
    expect(meter.stats().ipPackets).toBe(traffic().length);
    expect(store.counters.writeErrors).toBe(1);
    expect(store.counters.droppedRecords).toBe(traffic().length);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/metering goes on/);
  });

  it('stores one link type per stream and counts frames of a second one', () => {
    const dir = newDir();
    const store = new PacketStore(settings(dir), quiet);
    const frames = traffic().map((f, i) => ({ ...f, interfaceId: i === 4 ? 1 : 0 }));
    frames[4] = { ...frames[4], data: frames[4].data.subarray(14), interfaceId: 1 };
    ingest(store, pcapngFile(frames, [1, 101]));
    expect(store.counters.otherLinktype).toBe(1);
    expect(store.counters.records).toBe(frames.length - 1);
    expect(readdirSync(dir).filter((n) => n.endsWith('.pcap'))).toHaveLength(1);
  });

  it('keeps the later fragments of a session datagram', () => {
    const dir = newDir();
    const body = udpHeader(5353, 53, 24);
    const fragments = [
      ipv4(CLIENT, { protocol: 17, id: 7, moreFragments: true }, body.subarray(0, 16)),
      ipv4(CLIENT, { protocol: 17, id: 7, fragmentOffset: 2 }, body.subarray(16)),
      ipv4(CLIENT, { protocol: 17, id: 8, fragmentOffset: 2 }, body.subarray(16)),
    ];
    ingest(
      new PacketStore(settings(dir), quiet),
      pcapFile(fragments.map((ip, i) => ({ ts: T0 + i, data: ethernet(ip) }))),
    );
    const udp = extract(dir, {
      transport: 'udp',
      sourceIp: '10.0.0.1',
      sourcePort: 5353,
      destinationIp: '192.0.2.7',
      destinationPort: 53,
    });
    expect(udp.found && udp.packets).toBe(2);
  });
});
