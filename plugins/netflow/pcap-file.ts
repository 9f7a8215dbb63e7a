import { readFile } from 'node:fs/promises';
import { formatIpv4, formatIpv6 } from '../../src/schema/address-text.js';

/** One UDP datagram taken from a capture file. */
export interface PcapDatagram {
  /** Capture time, epoch milliseconds (fractional). */
  timestamp: number;
  sourceIp: string;
  sourcePort: number;
  destinationIp: string;
  destinationPort: number;
  payload: Buffer;
}

export interface PcapReadResult {
  datagrams: PcapDatagram[];
  /** Frames that are not complete unfragmented UDP over IPv4/IPv6 (other protocols, fragments, cut by snaplen). */
  skipped: number;
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LOOP = 108;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;

/** Offset of the IP header inside a frame of the given link type, or -1 when it carries no IP. */
function ipOffset(linktype: number, frame: Buffer): number {
  switch (linktype) {
    case LINKTYPE_ETHERNET: {
      let offset = 12;
      let type = frame.length >= 14 ? frame.readUInt16BE(offset) : 0;
      // 802.1Q / 802.1ad tags, possibly stacked.
      while ((type === 0x8100 || type === 0x88a8) && frame.length >= offset + 6) {
        offset += 4;
        type = frame.readUInt16BE(offset);
      }
      return type === 0x0800 || type === 0x86dd ? offset + 2 : -1;
    }
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      return 4;
    case LINKTYPE_LINUX_SLL:
      return 16;
    case LINKTYPE_LINUX_SLL2:
      return 20;
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return 0;
    default:
      return -1;
  }
}

function udpFromIp(frame: Buffer, offset: number, timestamp: number): PcapDatagram | undefined {
  if (offset < 0 || frame.length < offset + 1) return undefined;
  const version = frame[offset] >> 4;
  let sourceIp: string;
  let destinationIp: string;
  let udp: number;
  let end: number;
  if (version === 4) {
    if (frame.length < offset + 20) return undefined;
    const ihl = (frame[offset] & 0x0f) * 4;
    const fragment = frame.readUInt16BE(offset + 6);
    if (frame[offset + 9] !== 17 || (fragment & 0x3fff) !== 0) return undefined;
    sourceIp = formatIpv4(frame, offset + 12);
    destinationIp = formatIpv4(frame, offset + 16);
    udp = offset + ihl;
    end = offset + frame.readUInt16BE(offset + 2);
  } else if (version === 6) {
    if (frame.length < offset + 40 || frame[offset + 6] !== 17) return undefined;
    sourceIp = formatIpv6(frame, offset + 8);
    destinationIp = formatIpv6(frame, offset + 24);
    udp = offset + 40;
    end = udp + frame.readUInt16BE(offset + 4);
  } else {
    return undefined;
  }
  if (frame.length < udp + 8 || end > frame.length) return undefined;
  const udpEnd = udp + frame.readUInt16BE(udp + 4);
  if (udpEnd > end || udpEnd < udp + 8) return undefined;
  return {
    timestamp,
    sourceIp,
    sourcePort: frame.readUInt16BE(udp),
    destinationIp,
    destinationPort: frame.readUInt16BE(udp + 2),
    payload: frame.subarray(udp + 8, udpEnd),
  };
}

/** Reads a classic (libpcap) capture and returns its UDP datagrams in file order. */
export function parsePcap(file: Buffer): PcapReadResult {
  if (file.length < 24) throw new Error('not a pcap file: shorter than its global header');
  const magic = file.readUInt32LE(0);
  let littleEndian: boolean;
  let nanos: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    littleEndian = true;
    nanos = magic === 0xa1b23c4d;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    littleEndian = false;
    nanos = magic === 0x4d3cb2a1;
  } else {
    throw new Error(`not a classic pcap file (magic 0x${magic.toString(16)}; pcapng is not supported)`);
  }
  const u32 = (o: number) => (littleEndian ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const linktype = u32(20) & 0x0fffffff;
  const datagrams: PcapDatagram[] = [];
  let skipped = 0;
  let offset = 24;
  while (offset + 16 <= file.length) {
    const seconds = u32(offset);
    const fraction = u32(offset + 4);
    const captured = u32(offset + 8);
    const start = offset + 16;
    if (start + captured > file.length) {
      skipped++;
      break;
    }
    const frame = file.subarray(start, start + captured);
    offset = start + captured;
    const timestamp = seconds * 1000 + (nanos ? fraction / 1e6 : fraction / 1e3);
    const datagram = udpFromIp(frame, ipOffset(linktype, frame), timestamp);
    if (datagram) datagrams.push(datagram);
    else skipped++;
  }
  return { datagrams, skipped };
}

export async function readPcapFile(path: string): Promise<PcapReadResult> {
  return parsePcap(await readFile(path));
}
