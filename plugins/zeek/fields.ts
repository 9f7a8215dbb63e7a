import type { Direction } from '../../src/schema/locality.js';
import { protocolNumber } from '../../src/schema/protocols.js';
import { ParseError } from '../logfile/parser.js';
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
  if (!(ts instanceof ZeekTime)) throw new ParseError('zeek: missing or invalid ts');
  return ts.ms;
}

/** IANA number of the `proto` field; Zeek says `icmp` for ICMPv6 too, and 8.x adds `ip_proto` for the rest. */
export function protocol(record: ZeekRecord): number | undefined {
  const proto = text(record, 'proto');
  if (proto === 'icmp') return (text(record, 'id.orig_h') ?? '').includes(':') ? 58 : 1;
  const known = proto === undefined ? undefined : protocolNumber(proto);
  return known ?? number(record, 'ip_proto');
}

/** Zeek's own view of the site (`Site::local_nets`) wins over the configured networks when it logged one. */
export function direction(record: ZeekRecord): Direction | undefined {
  const orig = flag(record, 'local_orig');
  const resp = flag(record, 'local_resp');
  if (orig === undefined || resp === undefined) return undefined;
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
