import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tryCommunityId } from '../../src/schema/community-id.js';
import { ingestFiles } from '../../test/support/codec.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { snortCodec } from './codec.js';
import { isUnified2, U2 } from './unified2.js';

// Records built from the layouts in Snort's Unified2_common.h: an 8-byte header (type, body length), then
// the body, all in network byte order.

function words(values: number[]): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  for (const [i, value] of values.entries()) buffer.writeUInt32BE(value, i * 4);
  return buffer;
}

function record(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(type, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

interface EventSpec {
  type: number;
  id: number;
  second: number;
  micro: number;
  sid: number;
  gid: number;
  rev: number;
  priority: number;
  src: number[];
  dst: number[];
  sport: number;
  dport: number;
  proto: number;
  blocked?: number;
  vlan?: number;
}

const SENSOR = 3;

function event(e: EventSpec): Buffer {
  const head = words([
    SENSOR,
    e.id,
    e.second,
    e.micro,
    e.sid,
    e.gid,
    e.rev,
    17 /* classification */,
    e.priority,
  ]);
  const tail = Buffer.alloc(8);
  tail.writeUInt16BE(e.sport, 0);
  tail.writeUInt16BE(e.dport, 2);
  tail.writeUInt8(e.proto, 4);
  tail.writeUInt8(0, 5); // impact_flag
  tail.writeUInt8(0, 6); // impact
  tail.writeUInt8(e.blocked ?? 0, 7);
  const parts = [head, Buffer.from(e.src), Buffer.from(e.dst), tail];
  if (e.type === U2.EVENT_V2 || e.type === U2.EVENT_IPV6_V2) {
    const v2 = Buffer.alloc(8);
    v2.writeUInt32BE(0, 0); // mpls_label
    v2.writeUInt16BE(e.vlan ?? 0, 4);
    parts.push(v2);
  }
  return record(e.type, Buffer.concat(parts));
}

function packet(eventId: number, second: number, data: Buffer): Buffer {
  const head = words([SENSOR, eventId, second, second, 250_000, 1 /* Ethernet */, data.length]);
  return record(U2.PACKET, Buffer.concat([head, data]));
}

/** Destination MAC, source MAC, ethertype IPv4, then the start of an IP header. */
const FRAME = Buffer.from('00163e112233' + '0050569aabbc' + '0800' + '4500003c1c4640004006', 'hex');
const V6_SRC = [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1];
const V6_DST = [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 2];
const T0 = 1_700_000_000;

async function ingest(bytes: Buffer, name = 'snort.u2.1700000000') {
  const file = join(mkdtempSync(join(tmpdir(), 'flowtrail-u2-')), name);
  writeFileSync(file, bytes);
  const ctx = recordingContext();
  await ingestFiles(snortCodec, [file], { localNetworks: PRIVATE_NETWORKS, now: () => 0 }).run(ctx);
  return { ...ctx, file };
}

describe('Snort unified2', () => {
  const tcp = event({
    type: U2.EVENT,
    id: 41,
    second: T0,
    micro: 123_456,
    sid: 2_000_419,
    gid: 1,
    rev: 3,
    priority: 2,
    src: [10, 0, 0, 5],
    dst: [198, 51, 100, 7],
    sport: 51_515,
    dport: 80,
    proto: 6,
  });

  it('reads an IPv4 event with its packet into one alert', async () => {
    const { records, dead } = await ingest(Buffer.concat([tcp, packet(41, T0, FRAME)]));
    expect(dead).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0].dataset).toBe('flowtrail.alerts');
    expect(records[0].doc).toMatchObject({
      '@timestamp': '2023-11-14T22:13:20.123Z',
      event: { module: 'snort', severity: 2 },
      rule: { id: '2000419', version: '3', name: '[1:2000419:3]' },
      source: { ip: '10.0.0.5', port: 51_515, mac: '00-50-56-9A-AB-BC' },
      destination: { ip: '198.51.100.7', port: 80, mac: '00-16-3E-11-22-33' },
      network: { transport: 'tcp', community_id: tryCommunityId(6, '10.0.0.5', 51_515, '198.51.100.7', 80) },
      snort: {
        gid: 1,
        sensor_id: SENSOR,
        event_id: 41,
        classification_id: 17,
        packets: [{ linktype: 1, length: FRAME.length, data: FRAME.toString('base64') }],
      },
    });
  });

  it('reads IPv6 v2 events with VLAN and drop, ICMP type/code, and skips extra data', async () => {
    const extra = record(U2.EXTRA_DATA, Buffer.alloc(32));
    const v6 = event({
      type: U2.EVENT_IPV6_V2,
      id: 42,
      second: T0 + 1,
      micro: 0,
      sid: 9,
      gid: 1,
      rev: 1,
      priority: 1,
      src: V6_SRC,
      dst: V6_DST,
      sport: 5353,
      dport: 53,
      proto: 17,
      blocked: 1,
      vlan: 120,
    });
    const icmp = event({
      type: U2.EVENT_V2,
      id: 43,
      second: T0 + 2,
      micro: 0,
      sid: 384,
      gid: 1,
      rev: 8,
      priority: 3,
      src: [10, 0, 0, 5],
      dst: [10, 0, 0, 1],
      sport: 8,
      dport: 0,
      proto: 1,
    });
    const { records, dead } = await ingest(gzipSync(Buffer.concat([v6, extra, icmp])), 'snort.u2.gz');
    expect(dead).toEqual([]);
    expect(records).toHaveLength(2);
    expect(records[0].doc).toMatchObject({
      event: { action: 'blocked', type: expect.arrayContaining(['denied']) },
      source: { ip: '2001:db8::1', port: 5353 },
      destination: { ip: '2001:db8::2', port: 53 },
      network: { vlan: { id: '120' }, transport: 'udp' },
    });
    const doc = records[1].doc as Record<string, any>;
    expect(doc.source.port).toBeUndefined();
    expect(doc.snort.icmp).toEqual({ type: 8, code: 0 });
    expect(doc.network.community_id).toBe(tryCommunityId(1, '10.0.0.5', 8, '10.0.0.1', 0));
  });

  it('gives an event the same id in any file, and dead-letters bad records with file@offset', async () => {
    const stray = packet(99, T0, FRAME);
    const first = await ingest(tcp);
    const { records, dead, file } = await ingest(Buffer.concat([tcp, stray, tcp.subarray(0, 20)]));
    expect(records.map((r) => r.id)).toEqual(first.records.map((r) => r.id));
    expect(dead.map((d) => d.origin)).toEqual([
      `${file}@${tcp.length}`,
      `${file}@${tcp.length + stray.length}`,
    ]);
    expect(dead[0].reason).toMatch(/packet of event 99/);
    expect(dead[1].reason).toMatch(/ends inside a record/);
  });

  it('is told apart from text alert logs by its first record header', () => {
    expect(isUnified2(tcp)).toBe(true);
    expect(isUnified2(Buffer.from('11/21-10:00:00.000000  [**] [1:2000419:3] ET POLICY'))).toBe(false);
    expect(isUnified2(Buffer.from('{"seconds":1700000000}'))).toBe(false);
  });
});
