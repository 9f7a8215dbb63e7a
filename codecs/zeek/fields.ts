import { ParseError } from '../../src/errors.js';
import type { Direction } from '../../src/schema/locality.js';
import { protocolNumber } from '../../src/schema/protocols.js';
import { type ZeekRecord, ZeekTime } from './values.js';

export function text(record: ZeekRecord, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

export function number(record: ZeekRecord, key: string): number | undefined {
  const value = record[key];
  return typeof value === 'number' ? value : undefined;
}

export function flag(record: ZeekRecord, key: string): boolean | undefined {
  const value = record[key];
  return typeof value === 'boolean' ? value : undefined;
}

export function list(record: ZeekRecord, key: string): unknown[] | undefined {
  const value = record[key];
  return Array.isArray(value) ? value : undefined;
}

/** `ts` in epoch ms; every Zeek log has it, and a record without it cannot be placed in time. */
export function timestamp(record: ZeekRecord): number {
  const ts = record.ts;
  if (!(ts instanceof ZeekTime)) throw invalidTimestamp();
  return ts.ms;
}

/**
 * `ts` to the microsecond, which is what both writers carry: read from TSV (`1521911720.865716`) and from JSON
 * (`2018-03-24T17:15:20.865716Z`) the milliseconds differ in their last bits, this does not, so the two give
 * one document id.
 */
export function microsecondTimestamp(record: ZeekRecord): number {
  return Math.round(timestamp(record) * 1000) / 1000;
}

export function invalidTimestamp(): ParseError {
  return new ParseError('zeek: missing or invalid ts');
}

/** IANA number of the `proto` field; Zeek says `icmp` for ICMPv6 too, and 8.x adds `ip_proto` for the rest. */
export function protocol(record: ZeekRecord): number | undefined {
  // Named reads rather than `text(record, key)`: see recordFields.
  return protocolOf(record.proto, record['id.orig_h'], record.ip_proto);
}

/** `protocol` of the values of `proto`, `id.orig_h` and `ip_proto`. */
export function protocolOf(proto: unknown, origHost: unknown, ipProto: unknown): number | undefined {
  const fallback = typeof ipProto === 'number' ? ipProto : undefined;
  if (typeof proto !== 'string') return fallback;
  if (proto === 'icmp') return String(origHost ?? '').includes(':') ? 58 : 1;
  return protocolNumber(proto) ?? fallback;
}

/** Zeek's own view of the site (`Site::local_nets`) wins over the configured networks when it logged one. */
export function direction(record: ZeekRecord): Direction | undefined {
  return directionOf(record.local_orig, record.local_resp);
}

/** `direction` of the values of `local_orig` and `local_resp`. */
export function directionOf(orig: unknown, resp: unknown): Direction | undefined {
  if (typeof orig !== 'boolean' || typeof resp !== 'boolean') return undefined;
  if (orig) return resp ? 'internal' : 'outbound';
  return resp ? 'inbound' : 'external';
}

/** The endpoint fields every Zeek log with a connection shares; mapped to ECS and left out of `zeek.<log>`. */
export const CONNECTION_KEYS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'community_id',
];
