import { hash } from 'node:crypto';
import { writeAddress } from './ip.js';

/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): a hash of the flow's 5-tuple that is the
 * same in both directions, so a flow seen by NetFlow, Zeek and an IDS joins on one keyword.
 */

const PROTO_ICMP = 1;
const PROTO_ICMP6 = 58;
export const PORTED_PROTOCOLS = new Set([6, 17, 132, PROTO_ICMP, PROTO_ICMP6]);

// ICMP types that have a reply counterpart are treated as ports of a bidirectional flow; the rest are one-way.
export const ICMP4_COUNTERPART = new Map<number, number>([
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
export const ICMP6_COUNTERPART = new Map<number, number>([
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

/**
 * The hash input, built in place for every flow: seed (2), both addresses (up to 16 each), protocol and padding (2),
 * ports (4). Addresses are first written at their spec positions for IPv6 and moved down for IPv4.
 */
const input = Buffer.alloc(40);
const SOURCE_AT = 2;
const DESTINATION_AT = 18;
/** Views of `input` for each length it can have: making a view per flow cost as much as the hash. */
const inputs = new Map([12, 16, 36, 40].map((length) => [length, input.subarray(0, length)]));

function writeInput(address: AddressInput, at: number): number {
  if (typeof address === 'string') return writeAddress(address, input, at);
  if (address.length !== 4 && address.length !== 16) return 0;
  input.set(address, at);
  return address.length;
}

/** Compares the two addresses where `writeInput` put them. */
function compareAddresses(length: number): number {
  for (let i = 0; i < length; i++) {
    const a = input[SOURCE_AT + i];
    const b = input[DESTINATION_AT + i];
    if (a !== b) return a - b;
  }
  return 0;
}

function swapAddresses(length: number): void {
  for (let i = 0; i < length; i++) {
    const a = input[SOURCE_AT + i];
    input[SOURCE_AT + i] = input[DESTINATION_AT + i];
    input[DESTINATION_AT + i] = a;
  }
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
  const sourceLength = writeInput(sourceAddress, SOURCE_AT);
  const destinationLength = writeInput(destinationAddress, DESTINATION_AT);
  if (sourceLength === 0 || destinationLength === 0) throw new Error('community id: not an IP address');
  if (sourceLength !== destinationLength) {
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
    const order = compareAddresses(sourceLength);
    if (order > 0 || (order === 0 && sport > dport)) {
      swapAddresses(sourceLength);
      [sport, dport] = [dport, sport];
    }
  }

  input[0] = (seed >>> 8) & 255;
  input[1] = seed & 255;
  let offset = SOURCE_AT + sourceLength;
  if (sourceLength === 4) {
    input.copyWithin(offset, DESTINATION_AT, DESTINATION_AT + 4);
    offset += 4;
  } else {
    offset = DESTINATION_AT + 16;
  }
  input[offset++] = protocol & 255;
  input[offset++] = 0;
  if (hasPorts) {
    input[offset++] = (sport >>> 8) & 255;
    input[offset++] = sport & 255;
    input[offset++] = (dport >>> 8) & 255;
    input[offset++] = dport & 255;
  }
  const digest = hash('sha1', inputs.get(offset) as Buffer, options.base64 === false ? 'hex' : 'base64');
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
