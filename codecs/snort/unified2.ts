import ipaddr from 'ipaddr.js';
import type { SnortAlert } from './alert.js';

/**
 * Snort's unified2 binary output (Snort 2.9 `output unified2`, Snort 3 `unified2` logger): a sequence of
 * records, each an 8-byte header (type, length of the body; network byte order) and the body. Layouts are
 * Snort's `Unified2_common.h`.
 */
export const U2 = {
  PACKET: 2,
  /** IDS event, IPv4 (Unified2IDSEvent_legacy, 52 bytes). */
  EVENT: 7,
  /** IDS event, IPv6 (Unified2IDSEventIPv6_legacy, 76 bytes). */
  EVENT_IPV6: 72,
  /** Event "v2": the legacy layouts plus mpls_label, vlanId and padding (60 and 84 bytes). */
  EVENT_V2: 104,
  EVENT_IPV6_V2: 105,
  EXTRA_DATA: 110,
} as const;

const HEADER_BYTES = 8;
const EVENT_SIZES = new Map<number, number>([
  [U2.EVENT, 52],
  [U2.EVENT_IPV6, 76],
  [U2.EVENT_V2, 60],
  [U2.EVENT_IPV6_V2, 84],
]);
const KNOWN_TYPES = new Set<number>([U2.PACKET, U2.EXTRA_DATA, ...EVENT_SIZES.keys()]);
/** Far above any real record (a packet is at most 64 KiB plus its header); a larger length means "not unified2". */
const MAX_RECORD_BYTES = 1 << 20;

export interface U2Record {
  type: number;
  /** Byte offset of the record's header in the file. */
  offset: number;
  body: Buffer;
}

/** Whether a file that starts with these bytes is unified2 rather than a text alert log. */
export function isUnified2(head: Buffer): boolean {
  if (head.length < HEADER_BYTES) return false;
  const type = head.readUInt32BE(0);
  const length = head.readUInt32BE(4);
  return KNOWN_TYPES.has(type) && length <= MAX_RECORD_BYTES && (EVENT_SIZES.get(type) ?? length) === length;
}

/** Cuts a byte stream into records; a record is handed out only once all its bytes have arrived. */
export class U2Splitter {
  private carry: Buffer = Buffer.alloc(0);
  private position = 0;

  push(chunk: Buffer): U2Record[] {
    const buffer = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    const records: U2Record[] = [];
    let start = 0;
    while (buffer.length - start >= HEADER_BYTES) {
      const type = buffer.readUInt32BE(start);
      const length = buffer.readUInt32BE(start + 4);
      if (length > MAX_RECORD_BYTES)
        throw new Error(`unified2: record of ${length} bytes at offset ${this.position + start}`);
      const end = start + HEADER_BYTES + length;
      if (end > buffer.length) break;
      records.push({ type, offset: this.position + start, body: buffer.subarray(start + HEADER_BYTES, end) });
      start = end;
    }
    this.carry = buffer.subarray(start);
    this.position += start;
    return records;
  }

  /** Bytes of an incomplete last record, at the end of the input. */
  get leftover(): number {
    return this.carry.length;
  }

  get offset(): number {
    return this.position;
  }
}

function ipv4(body: Buffer, at: number): string {
  return `${body[at]}.${body[at + 1]}.${body[at + 2]}.${body[at + 3]}`;
}

function ipv6(body: Buffer, at: number): string {
  const address = ipaddr.fromByteArray([...body.subarray(at, at + 16)]) as ipaddr.IPv6;
  // IPv4-mapped addresses (how IPv4 traffic may appear in IPv6 events) read as IPv4.
  return address.isIPv4MappedAddress() ? address.toIPv4Address().toString() : address.toString();
}

const PROTOCOL_NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'ICMP' };
/** `blocked`: 0 not dropped, 1 dropped, 2 would have been dropped (inline test mode). */
const BLOCKED_ACTIONS: Record<number, string | undefined> = { 1: 'drop', 2: 'would_drop' };

export interface U2Event {
  alert: SnortAlert;
  sensorId: number;
  eventId: number;
  eventSecond: number;
}

/**
 * An event record to the alert every Snort format is read into. unified2 carries no rule message (that is in
 * sid-msg.map, which the sensor has), so the rule is named by its numbers, as `u2spewfoo` prints them.
 */
export function parseU2Event(record: U2Record): U2Event {
  const { body, type } = record;
  const size = EVENT_SIZES.get(type);
  if (size === undefined) throw new Error(`unified2: record type ${type} is not an event`);
  if (body.length < size) throw new Error(`unified2: event of ${body.length} bytes, expected ${size}`);
  const v6 = type === U2.EVENT_IPV6 || type === U2.EVENT_IPV6_V2;
  const addressBytes = v6 ? 16 : 4;
  const read = (i: number) => body.readUInt32BE(i * 4);
  const at = 36 + 2 * addressBytes;
  const protocol = body[at + 4];
  const portA = body.readUInt16BE(at);
  const portB = body.readUInt16BE(at + 2);
  const icmp = protocol === 1 || protocol === 58;
  const [gid, sid, rev] = [read(5), read(4), read(6)];
  const details: Record<string, unknown> = {
    sensor_id: read(0),
    event_id: read(1),
    classification_id: read(7),
    impact_flag: body[at + 5],
    impact: body[at + 6],
    blocked: body[at + 7],
  };
  if (icmp) details.icmp = { type: portA, code: portB };
  const v2 = type === U2.EVENT_V2 || type === U2.EVENT_IPV6_V2;
  if (v2) details.mpls_label = body.readUInt32BE(at + 8);
  return {
    sensorId: read(0),
    eventId: read(1),
    eventSecond: read(2),
    alert: {
      time: read(2) * 1000 + read(3) / 1000,
      gid,
      sid,
      rev,
      msg: `[${gid}:${sid}:${rev}]`,
      priority: read(8),
      proto: PROTOCOL_NAMES[protocol] ?? `PROTO:${protocol}`,
      sourceIp: v6 ? ipv6(body, 36) : ipv4(body, 36),
      destinationIp: v6 ? ipv6(body, 36 + addressBytes) : ipv4(body, 36 + addressBytes),
      sourcePort: icmp ? undefined : portA,
      destinationPort: icmp ? undefined : portB,
      action: BLOCKED_ACTIONS[body[at + 7]],
      vlan: v2 ? body.readUInt16BE(at + 12) : undefined,
      details,
    },
  };
}

export interface U2Packet {
  sensorId: number;
  eventId: number;
  eventSecond: number;
  /** Epoch ms of the packet. */
  time: number;
  linktype: number;
  data: Buffer;
}

/** Serial_Unified2Packet: 7 words, then the captured bytes. */
export function parseU2Packet(record: U2Record): U2Packet {
  const { body } = record;
  if (body.length < 28) throw new Error(`unified2: packet record of ${body.length} bytes`);
  const length = body.readUInt32BE(24);
  if (28 + length > body.length)
    throw new Error(`unified2: packet of ${length} bytes in a ${body.length}-byte record`);
  return {
    sensorId: body.readUInt32BE(0),
    eventId: body.readUInt32BE(4),
    eventSecond: body.readUInt32BE(8),
    time: body.readUInt32BE(12) * 1000 + body.readUInt32BE(16) / 1000,
    linktype: body.readUInt32BE(20),
    data: body.subarray(28, 28 + length),
  };
}

function mac(data: Buffer, at: number): string {
  return [...data.subarray(at, at + 6)].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

const LINKTYPE_ETHERNET = 1;

/** Adds what the event's packets say to its alert: MAC addresses (Ethernet captures) and the packets themselves. */
export function attachPackets(alert: SnortAlert, packets: U2Packet[]): SnortAlert {
  if (packets.length === 0) return alert;
  const first = packets[0];
  const withMacs =
    first.linktype === LINKTYPE_ETHERNET && first.data.length >= 14
      ? { ...alert, destinationMac: mac(first.data, 0), sourceMac: mac(first.data, 6) }
      : alert;
  return {
    ...withMacs,
    details: {
      ...alert.details,
      packets: packets.map((p) => ({
        time: new Date(p.time).toISOString(),
        linktype: p.linktype,
        length: p.data.length,
        data: p.data.toString('base64'),
      })),
    },
  };
}
