import { ParseError } from '../../src/errors.js';
import type { SnortAlert } from './alert.js';
import { parseAddresses, parseClassification, parseRuleHeader, type TimeContext } from './fast.js';
import { parseSnortTime, snortEpoch } from './time.js';

/** `KEY:value` pairs of a packet-header line (`TTL:127 TOS:0x0 ID:53730 IpLen:20`), with hex values decoded. */
function pairs(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const token of line.split(/\s+/)) {
    const colon = token.indexOf(':');
    if (colon > 0) out.set(token.slice(0, colon), token.slice(colon + 1));
  }
  return out;
}

/** `Seq: 0x688E00E4  Ack: 0xBC730BB6` has a space after the colon; join it back before splitting. */
function spacedPairs(line: string): Map<string, string> {
  return pairs(line.replace(/:\s+/g, ':'));
}

function int(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = value.startsWith('0x') ? Number.parseInt(value.slice(2), 16) : Number(value);
  return Number.isNaN(n) ? undefined : n;
}

function packetDetails(proto: string, ipLine: string, next: string | undefined): Record<string, unknown> {
  const ip = pairs(ipLine);
  const details: Record<string, unknown> = {
    ip: {
      ttl: int(ip.get('TTL')),
      tos: int(ip.get('TOS')),
      id: int(ip.get('ID')),
      length: int(ip.get('IpLen')),
      ...(/\bDF\b/.test(ipLine) ? { flags: 'DF' } : /\bMF\b/.test(ipLine) ? { flags: 'MF' } : {}),
    },
    dgm: { length: int(ip.get('DgmLen')) },
  };
  if (next === undefined) return details;
  const header = spacedPairs(next);
  if (proto === 'UDP') details.udp = { length: int(header.get('Len')) };
  else if (proto === 'ICMP') {
    details.icmp = {
      type: int(header.get('Type')),
      code: int(header.get('Code')),
      id: int(header.get('ID')),
      seq: int(header.get('Seq')),
    };
  } else if (proto === 'TCP') {
    details.tcp = {
      flags: next.slice(0, next.indexOf(' ')).replaceAll('*', ''),
      seq: int(header.get('Seq')),
      ack: int(header.get('Ack')),
      window: int(header.get('Win')),
      length: int(header.get('TcpLen')),
    };
  }
  return details;
}

/**
 * One alert_full record (several lines): rule header, classification/priority, time and addresses, then the
 * IP header line and the transport header line, with `[Xref => …]` lines possibly in between.
 */
export function parseFull(block: string, t: TimeContext): SnortAlert {
  const lines = block.split('\n');
  const rule = parseRuleHeader(lines[0], 0);
  const timeIndex = lines.findIndex((line) => /^\d\d\/\d\d[-/]/.test(line));
  if (timeIndex === -1) throw new ParseError('snort full: no timestamp line');
  const { time, length } = parseSnortTime(lines[timeIndex]);
  const ipLine = lines[timeIndex + 1] ?? '';
  const proto = ipLine.slice(0, ipLine.indexOf(' '));
  const transportLine = lines.slice(timeIndex + 2).find((line) => !line.startsWith('[Xref'));
  return {
    time: snortEpoch(time, t.timezone, t.reference),
    gid: rule.gid,
    sid: rule.sid,
    rev: rule.rev,
    msg: rule.msg,
    ...parseClassification(lines.slice(1, timeIndex).join(' ')),
    proto: proto === '' ? undefined : proto,
    ...parseAddresses(lines[timeIndex].slice(length)),
    details: proto === '' ? undefined : packetDetails(proto, ipLine, transportLine),
  };
}
