import { ParseError } from '../../src/errors.js';
import type { SnortAlert } from './alert.js';
import { splitEndpoint, type TimeContext } from './fast.js';
import { parseSnortTime, snortEpoch } from './time.js';

type Json = Record<string, unknown>;

function n(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function s(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Removes undefined leaves and objects left empty, so absent header fields do not show up. */
function prune(object: Json): Json | undefined {
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (
      value === undefined ||
      (typeof value === 'object' && value !== null && prune(value as Json) === undefined)
    ) {
      delete object[key];
    }
  }
  return Object.keys(object).length === 0 ? undefined : object;
}

/**
 * `seconds` (epoch) is the alert's time; `timestamp` is the same instant as the sensor's local wall time and only
 * supplies the sub-second digits. Without `seconds`, `timestamp` is read like alert_fast's.
 */
function alertTime(j: Json, t: TimeContext): number {
  const timestamp = s(j.timestamp);
  const parsed = timestamp === undefined ? undefined : parseSnortTime(timestamp).time;
  const seconds = n(j.seconds);
  if (seconds !== undefined) return seconds * 1000 + (parsed?.fractionMs ?? 0);
  if (parsed === undefined) throw new ParseError('snort json: no seconds or timestamp');
  return snortEpoch(parsed, t.timezone, t.reference);
}

/** One Snort 3 alert_json line. */
export function parseSnortJson(line: string, t: TimeContext): SnortAlert {
  let j: Json;
  try {
    j = JSON.parse(line) as Json;
  } catch (error) {
    throw new ParseError(`snort json: ${(error as Error).message}`);
  }
  const ids = (s(j.rule) ?? '').split(':');
  const gid = n(j.gid) ?? Number(ids[0]);
  const sid = n(j.sid) ?? Number(ids[1]);
  const rev = n(j.rev) ?? Number(ids[2]);
  if (Number.isNaN(gid) || Number.isNaN(sid)) throw new ParseError('snort json: no gid/sid');
  const src = splitEndpoint(s(j.src_addr) ?? '');
  const dst = splitEndpoint(s(j.dst_addr) ?? '');
  const cls = s(j.class);
  return {
    time: alertTime(j, t),
    gid,
    sid,
    rev: Number.isNaN(rev) ? 0 : rev,
    msg: s(j.msg) ?? '',
    classification: cls,
    priority: n(j.priority),
    proto: s(j.proto),
    sourceIp: src.ip === '' ? undefined : src.ip,
    sourcePort: n(j.src_port),
    destinationIp: dst.ip === '' ? undefined : dst.ip,
    destinationPort: n(j.dst_port),
    sourceMac: s(j.eth_src),
    destinationMac: s(j.eth_dst),
    action: s(j.action),
    vlan: n(j.vlan),
    iface: s(j.iface),
    service: s(j.service),
    details: prune({
      eth: { length: n(j.eth_len) },
      ip: { id: n(j.ip_id), ttl: n(j.ttl), tos: n(j.tos), length: n(j.ip_len) },
      tcp: {
        flags: s(j.tcp_flags)?.replaceAll('*', ''),
        seq: n(j.tcp_seq),
        ack: n(j.tcp_ack),
        window: n(j.tcp_win),
        length: n(j.tcp_len),
      },
      udp: { length: n(j.udp_len) },
      icmp: { type: n(j.icmp_type), code: n(j.icmp_code), id: n(j.icmp_id), seq: n(j.icmp_seq) },
    }),
  };
}
