import { hash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { parseIPv4 } from './ipv4.js';

/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): a hash of the flow's 5-tuple that is the
 * same in both directions, so a flow seen by NetFlow, Zeek and an IDS joins on one keyword.
 */

const PROTO_ICMP = 1;
const PROTO_ICMP6 = 58;
const PORTED_PROTOCOLS = new Set([6, 17, 132, PROTO_ICMP, PROTO_ICMP6]);

// ICMP types that have a reply counterpart are treated as ports of a bidirectional flow; the rest are one-way.
const ICMP4_COUNTERPART = new Map<number, number>([
  [8, 0],
  [0, 8],
  [13, 14],
  [14, 13],
  [15, 16],
  [16, 15],
  [10, 9],
  [9, 10],
  [17, 18],
  [18, 17],
]);
const ICMP6_COUNTERPART = new Map<number, number>([
  [128, 129],
  [129, 128],
  [133, 134],
  [134, 133],
  [135, 136],
  [136, 135],
  [130, 131],
  [131, 130],
  [139, 140],
  [140, 139],
  [144, 145],
  [145, 144],
]);

export interface CommunityIdOptions {
  seed?: number;
  base64?: boolean;
}

export type AddressInput = string | Uint8Array;

function addressBytes(address: AddressInput): Uint8Array {
  if (typeof address !== 'string') return address;
  const v4 = parseIPv4(address);
  if (v4 >= 0) return Uint8Array.of(v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255);
  const parsed = ipaddr.parse(address);
  return Uint8Array.from(parsed.toByteArray());
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

/**
 * Computes the Community ID of one flow. Ports are ignored for protocols that have none; for ICMP/ICMPv6 pass the
 * message type as `sourcePort` and the code as `destinationPort`, as the spec and Zeek do.
 */
export function communityId(
  protocol: number,
  sourceAddress: AddressInput,
  sourcePort: number | undefined | null,
  destinationAddress: AddressInput,
  destinationPort: number | undefined | null,
  options: CommunityIdOptions = {},
): string {
  const seed = options.seed ?? 0;
  let saddr = addressBytes(sourceAddress);
  let daddr = addressBytes(destinationAddress);
  if (saddr.length !== daddr.length) {
    throw new Error('community id: source and destination must be of the same address family');
  }
  const hasPorts = PORTED_PROTOCOLS.has(protocol) && sourcePort != null && destinationPort != null;
  let sport = hasPorts ? (sourcePort as number) : 0;
  let dport = hasPorts ? (destinationPort as number) : 0;

  let oneWay = false;
  if (hasPorts && (protocol === PROTO_ICMP || protocol === PROTO_ICMP6)) {
    const counterpart = (protocol === PROTO_ICMP ? ICMP4_COUNTERPART : ICMP6_COUNTERPART).get(sport);
    if (counterpart === undefined) oneWay = true;
    else dport = counterpart;
  }

  if (!oneWay) {
    const order = compareBytes(saddr, daddr);
    if (order > 0 || (order === 0 && sport > dport)) {
      [saddr, daddr] = [daddr, saddr];
      [sport, dport] = [dport, sport];
    }
  }

  const buffer = Buffer.allocUnsafe(2 + saddr.length * 2 + 2 + (hasPorts ? 4 : 0));
  let offset = buffer.writeUInt16BE(seed & 0xffff, 0);
  buffer.set(saddr, offset);
  offset += saddr.length;
  buffer.set(daddr, offset);
  offset += daddr.length;
  offset = buffer.writeUInt8(protocol & 0xff, offset);
  offset = buffer.writeUInt8(0, offset);
  if (hasPorts) {
    offset = buffer.writeUInt16BE(sport & 0xffff, offset);
    buffer.writeUInt16BE(dport & 0xffff, offset);
  }
  const digest = hash('sha1', buffer, options.base64 === false ? 'hex' : 'base64');
  return `1:${digest}`;
}

/** For mapping code: an unparsable or mixed-family address yields no id instead of an exception. */
export function tryCommunityId(
  protocol: number,
  sourceAddress: AddressInput,
  sourcePort: number | undefined | null,
  destinationAddress: AddressInput,
  destinationPort: number | undefined | null,
): string | undefined {
  try {
    return communityId(protocol, sourceAddress, sourcePort, destinationAddress, destinationPort);
  } catch {
    return undefined;
  }
}
