/**
 * A session as the packet store looks it up: a protocol, two endpoints and a time range. Endpoints are held in the
 * index's canonical order (the lower address first; for equal addresses the lower port), so either direction of
 * the conversation names the same session.
 */
import ipaddr from 'ipaddr.js';
import { UsageError } from '../errors.js';
import { protocolNumber as numberOfName } from '../schema/protocols.js';
import { ENTRY } from './layout.js';

const ICMP = new Set([1, 58]);

export interface SessionSelector {
  family: 4 | 6;
  /** Undefined: any protocol (an alert that names none). */
  protocol?: number;
  a: Buffer;
  b: Buffer;
  portA: number;
  portB: number;
  /** Only the two addresses count (a portless alert: the scan's probes between them). */
  anyPorts: boolean;
  fromMs: number;
  toMs: number;
}

/** The endpoints of a session as documents name them. */
export interface SessionEnds {
  transport?: string | number;
  sourceIp: string;
  sourcePort?: number;
  destinationIp: string;
  destinationPort?: number;
  fromMs: number;
  toMs: number;
}

/** The IANA protocol number of an ECS `network.transport`, undefined when it names none. */
function protocolNumber(transport: string | number | undefined): number | undefined {
  if (transport === undefined || typeof transport === 'number') return transport;
  return /^\d+$/.test(transport) ? Number(transport) : numberOfName(transport);
}

function addressBytes(text: string): { family: 4 | 6; bytes: Buffer } {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(text);
  } catch {
    throw new UsageError(`${text}: not an IP address`);
  }
  const bytes = Buffer.alloc(16);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  Buffer.from(parsed.toByteArray()).copy(bytes);
  return { family: parsed.kind() === 'ipv4' ? 4 : 6, bytes };
}

export function selectorOf(ends: SessionEnds): SessionSelector {
  const source = addressBytes(ends.sourceIp);
  const destination = addressBytes(ends.destinationIp);
  if (source.family !== destination.family)
    throw new UsageError(
      `${ends.sourceIp} and ${ends.destinationIp}: an IPv4 and an IPv6 address are no session`,
    );
  const protocol = protocolNumber(ends.transport);
  const anyPorts = ends.sourcePort === undefined || ends.destinationPort === undefined;
  const portless = anyPorts || (protocol !== undefined && ICMP.has(protocol));
  const sourcePort = portless ? 0 : (ends.sourcePort ?? 0);
  const destinationPort = portless ? 0 : (ends.destinationPort ?? 0);
  const order = Buffer.compare(source.bytes, destination.bytes);
  const sourceFirst = order < 0 || (order === 0 && sourcePort <= destinationPort);
  return {
    family: source.family,
    protocol,
    a: sourceFirst ? source.bytes : destination.bytes,
    b: sourceFirst ? destination.bytes : source.bytes,
    portA: sourceFirst ? sourcePort : destinationPort,
    portB: sourceFirst ? destinationPort : sourcePort,
    anyPorts,
    fromMs: ends.fromMs,
    toMs: ends.toMs,
  };
}

/** Whether the index entry at `at` is (one of) the session's and overlaps its time range. */
export function entryMatches(entries: Buffer, at: number, s: SessionSelector): boolean {
  if (entries[at + ENTRY.family] !== s.family) return false;
  const protocol = entries[at + ENTRY.protocol];
  if (s.protocol !== undefined && protocol !== s.protocol) return false;
  if (entries.readDoubleLE(at + ENTRY.lastMs) < s.fromMs || entries.readDoubleLE(at + ENTRY.firstMs) > s.toMs)
    return false;
  if (entries.compare(s.a, 0, 16, at + ENTRY.a, at + ENTRY.a + 16) !== 0) return false;
  if (entries.compare(s.b, 0, 16, at + ENTRY.b, at + ENTRY.b + 16) !== 0) return false;
  if (s.anyPorts || ICMP.has(protocol)) return true;
  return (
    entries.readUInt16LE(at + ENTRY.portA) === s.portA && entries.readUInt16LE(at + ENTRY.portB) === s.portB
  );
}

/** The session's selector as the native selectRecords takes it. */
export function nativeSelector(s: SessionSelector): Record<string, unknown> {
  return {
    a: s.a,
    b: s.b,
    portA: s.portA,
    portB: s.portB,
    protocol: s.protocol ?? -1,
    family: s.family,
    anyPorts: s.anyPorts ? 1 : 0,
    fromMs: s.fromMs,
    toMs: s.toMs,
  };
}

/** How a session is named to the user: `tcp 198.51.100.30:60533 <-> 10.77.0.1:22`. */
export function describeEnds(ends: SessionEnds): string {
  const side = (ip: string, port: number | undefined) =>
    port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
  const transport = ends.transport === undefined ? '' : `${ends.transport} `;
  return `${transport}${side(ends.sourceIp, ends.sourcePort)} <-> ${side(ends.destinationIp, ends.destinationPort)}`;
}
