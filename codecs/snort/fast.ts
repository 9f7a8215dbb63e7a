import { ParseError } from '../../src/errors.js';
import type { SnortAlert } from './alert.js';
import { parseSnortTime, snortEpoch } from './time.js';

export interface TimeContext {
  timezone: string;
  reference: number;
}

/** `1.2.3.4:80`, `1.2.3.4`, `[2001:db8::1]:80` or a bare IPv6 address (whose last group is not a port). */
export function splitEndpoint(text: string): { ip: string; port?: number } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const port = text.charCodeAt(close + 1) === 58 ? Number(text.slice(close + 2)) : undefined;
    return { ip: text.slice(1, close), port };
  }
  const colon = text.lastIndexOf(':');
  if (colon === -1 || text.indexOf(':') !== colon) return { ip: text };
  return { ip: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

/** `[**] [gid:sid:rev] msg [**]` → the rule and what follows it. */
export function parseRuleHeader(
  text: string,
  from: number,
): { gid: number; sid: number; rev: number; msg: string; end: number } {
  const open = text.indexOf('[**] [', from);
  const close = open === -1 ? -1 : text.indexOf('] ', open + 6);
  const msgEnd = close === -1 ? -1 : text.indexOf(' [**]', close);
  if (msgEnd === -1) throw new ParseError('snort: no [**] [gid:sid:rev] msg [**]');
  const ids = text.slice(open + 6, close).split(':');
  if (ids.length !== 3) throw new ParseError('snort: rule id is not gid:sid:rev');
  return {
    gid: Number(ids[0]),
    sid: Number(ids[1]),
    rev: Number(ids[2]),
    msg: text.slice(close + 2, msgEnd),
    end: msgEnd + 5,
  };
}

/** `[Classification: x] [Priority: n]`, each optional, anywhere in the text. */
export function parseClassification(text: string): { classification?: string; priority?: number } {
  const c = text.indexOf('[Classification: ');
  const p = text.indexOf('[Priority: ');
  return {
    classification: c === -1 ? undefined : text.slice(c + 17, text.indexOf(']', c)),
    priority: p === -1 ? undefined : Number(text.slice(p + 11, text.indexOf(']', p))),
  };
}

/** `src[:port] -> dst[:port]`. */
export function parseAddresses(
  text: string,
): Pick<SnortAlert, 'sourceIp' | 'sourcePort' | 'destinationIp' | 'destinationPort'> {
  const arrow = text.indexOf(' -> ');
  if (arrow === -1) throw new ParseError('snort: no "src -> dst"');
  const source = splitEndpoint(text.slice(0, arrow).trim());
  const destination = splitEndpoint(text.slice(arrow + 4).trim());
  return {
    sourceIp: source.ip,
    sourcePort: source.port,
    destinationIp: destination.ip,
    destinationPort: destination.port,
  };
}

/** One alert_fast line: `MM/DD-hh:mm:ss.uuuuuu  [**] [g:s:r] msg [**] [Classification: c] [Priority: p] {PROTO} a:p -> b:p`. */
export function parseFast(line: string, t: TimeContext): SnortAlert {
  const { time, length } = parseSnortTime(line);
  const rule = parseRuleHeader(line, length);
  const braceOpen = line.indexOf('{', rule.end);
  const braceClose = braceOpen === -1 ? -1 : line.indexOf('}', braceOpen);
  if (braceClose === -1) throw new ParseError('snort fast: no {PROTO}');
  return {
    time: snortEpoch(time, t.timezone, t.reference),
    gid: rule.gid,
    sid: rule.sid,
    rev: rule.rev,
    msg: rule.msg,
    ...parseClassification(line.slice(rule.end, braceOpen)),
    proto: line.slice(braceOpen + 1, braceClose),
    ...parseAddresses(line.slice(braceClose + 1)),
  };
}
