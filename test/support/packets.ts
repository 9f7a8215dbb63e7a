/** Crafted frames and capture files for the packet tap's unit tests: each header written field by field. */

export interface Endpoints {
  source: string;
  destination: string;
}

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

function ipv6Bytes(text: string): number[] {
  const [head, tail = ''] = text.split('::');
  const parts = (s: string) => (s === '' ? [] : s.split(':').map((h) => Number.parseInt(h, 16)));
  const front = parts(head);
  const back = text.includes('::') ? parts(tail) : [];
  const groups = [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export function tcpHeader(sport: number, dport: number, flags: number, payload = 0): Buffer {
  const b = Buffer.alloc(20 + payload);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  b[12] = 5 << 4;
  b[13] = flags;
  b.writeUInt16BE(65535, 14);
  return b;
}

export function udpHeader(sport: number, dport: number, payload = 0): Buffer {
  const b = Buffer.alloc(8 + payload);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  b.writeUInt16BE(8 + payload, 4);
  return b;
}

export function icmpHeader(type: number, code: number, payload = 0): Buffer {
  const b = Buffer.alloc(8 + payload);
  b[0] = type;
  b[1] = code;
  return b;
}

export interface Ipv4Options {
  protocol: number;
  ttl?: number;
  id?: number;
  /** Fragment offset in 8-byte units, and whether more fragments follow. */
  fragmentOffset?: number;
  moreFragments?: boolean;
}

export function ipv4(ends: Endpoints, o: Ipv4Options, body: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + body.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE(((o.moreFragments ? 1 : 0) << 13) | (o.fragmentOffset ?? 0), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.protocol;
  Buffer.from(ipv4Bytes(ends.source)).copy(h, 12);
  Buffer.from(ipv4Bytes(ends.destination)).copy(h, 16);
  return Buffer.concat([h, body]);
}

export function ipv6(ends: Endpoints, nextHeader: number, body: Buffer, hopLimit = 64): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(body.length, 4);
  h[6] = nextHeader;
  h[7] = hopLimit;
  Buffer.from(ipv6Bytes(ends.source)).copy(h, 8);
  Buffer.from(ipv6Bytes(ends.destination)).copy(h, 24);
  return Buffer.concat([h, body]);
}

const MAC_A = [0x02, 0, 0, 0, 0, 0x0a];
const MAC_B = [0x02, 0, 0, 0, 0, 0x0b];

/** An Ethernet frame, with 802.1Q tags (outer first) when VLAN ids are given. */
export function ethernet(ip: Buffer, vlans: number[] = [], reverse = false): Buffer {
  const type = ip[0] >> 4 === 6 ? 0x86dd : 0x0800;
  const parts: number[] = [...(reverse ? MAC_A : MAC_B), ...(reverse ? MAC_B : MAC_A)];
  vlans.forEach((id, i) => {
    const tpid = i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100;
    parts.push(tpid >> 8, tpid & 0xff, id >> 8, id & 0xff);
  });
  parts.push(type >> 8, type & 0xff);
  return Buffer.concat([Buffer.from(parts), ip]);
}

/** Linux cooked capture v1 (16-byte header). */
export function sll(ip: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  Buffer.from(MAC_A).copy(h, 6);
  h.writeUInt16BE(ip[0] >> 4 === 6 ? 0x86dd : 0x0800, 14);
  return Buffer.concat([h, ip]);
}

/** Linux cooked capture v2 (20-byte header). */
export function sll2(ip: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(ip[0] >> 4 === 6 ? 0x86dd : 0x0800, 0);
  h.writeUInt32BE(2, 4);
  h.writeUInt16BE(1, 8);
  h[10] = 0;
  h[11] = 6;
  Buffer.from(MAC_A).copy(h, 12);
  return Buffer.concat([h, ip]);
}

export interface Frame {
  /** Epoch ms. */
  ts: number;
  data: Buffer;
  /** Bytes kept (a snap length); the whole frame when absent. */
  captured?: number;
}

export interface PcapOptions {
  linktype?: number;
  bigEndian?: boolean;
  nanoseconds?: boolean;
}

/** A libpcap capture file. */
export function pcapFile(frames: Frame[], o: PcapOptions = {}): Buffer {
  const be = o.bigEndian ?? false;
  const u32 = (b: Buffer, v: number, at: number) => (be ? b.writeUInt32BE(v, at) : b.writeUInt32LE(v, at));
  const u16 = (b: Buffer, v: number, at: number) => (be ? b.writeUInt16BE(v, at) : b.writeUInt16LE(v, at));
  const header = Buffer.alloc(24);
  u32(header, o.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(header, 2, 4);
  u16(header, 4, 6);
  u32(header, 65535, 16);
  u32(header, o.linktype ?? 1, 20);
  const parts: Buffer[] = [header];
  for (const f of frames) {
    const kept = f.data.subarray(0, f.captured ?? f.data.length);
    const r = Buffer.alloc(16);
    const seconds = Math.floor(f.ts / 1000);
    const fraction = Math.round((f.ts - seconds * 1000) * (o.nanoseconds ? 1e6 : 1e3));
    u32(r, seconds, 0);
    u32(r, fraction, 4);
    u32(r, kept.length, 8);
    u32(r, f.data.length, 12);
    parts.push(r, kept);
  }
  return Buffer.concat(parts);
}

function block(type: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const b = Buffer.alloc(12 + padded.length);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(b.length, 4);
  padded.copy(b, 8);
  b.writeUInt32LE(b.length, b.length - 4);
  return b;
}

/** A pcapng capture: one section, one interface per link type given, times in units of 10^-`tsresol` s. */
export function pcapngFile(
  frames: Array<Frame & { interfaceId?: number }>,
  linktypes: number[] = [1],
  tsresol = 6,
): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeBigInt64LE(-1n, 8);
  const parts: Buffer[] = [block(0x0a0d0d0a, shb)];
  for (const linktype of linktypes) {
    const idb = Buffer.alloc(8 + 8 + 4);
    idb.writeUInt16LE(linktype, 0);
    idb.writeUInt32LE(0, 4);
    idb.writeUInt16LE(9, 8);
    idb.writeUInt16LE(1, 10);
    idb[12] = tsresol;
    parts.push(block(1, idb));
  }
  // A block readers skip (a name resolution block) between the packets.
  parts.push(block(4, Buffer.alloc(4)));
  for (const f of frames) {
    const kept = f.data.subarray(0, f.captured ?? f.data.length);
    const units = BigInt(Math.round(f.ts * 10 ** (tsresol - 3)));
    const epb = Buffer.alloc(20);
    epb.writeUInt32LE(f.interfaceId ?? 0, 0);
    epb.writeUInt32LE(Number(units >> 32n), 4);
    epb.writeUInt32LE(Number(units & 0xffffffffn), 8);
    epb.writeUInt32LE(kept.length, 12);
    epb.writeUInt32LE(f.data.length, 16);
    parts.push(block(6, Buffer.concat([epb, kept])));
  }
  return Buffer.concat(parts);
}
