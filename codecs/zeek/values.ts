import { jsonNumber, jsonString } from '../../src/schema/json.js';

/** A Zeek `time` value, kept apart from plain numbers so that it becomes an ECS date wherever it lands. */
export class ZeekTime {
  constructor(readonly ms: number) {}
  toISOString(): string {
    return new Date(this.ms).toISOString();
  }
}

export type ZeekScalar = string | number | boolean | ZeekTime;
export type ZeekValue = ZeekScalar | ZeekScalar[];

/** One log entry with Zeek's flat dotted field names (`id.orig_h`); unset fields are absent or undefined. */
export type ZeekRecord = Record<string, ZeekValue | undefined>;

export interface ZeekEntry {
  /** Log stream name (`conn`, `dns`…), when the input says so (`#path`, `_path`). */
  path?: string;
  record: ZeekRecord;
}

const DIGIT_0 = 48;

/** ISO 8601 UTC (`2018-03-24T17:15:20.865716Z`, as Zeek's JSON writer with ISO timestamps) to epoch ms, keeping µs. */
export function parseIsoTime(text: string): number | undefined {
  if (text.length < 20 || text.charCodeAt(10) !== 84 || text.charCodeAt(text.length - 1) !== 90)
    return undefined;
  const seconds = Date.parse(`${text.slice(0, 19)}Z`);
  if (Number.isNaN(seconds)) return undefined;
  let fraction = 0;
  let scale = 100;
  for (let i = 20; i < text.length - 1; i++) {
    const digit = text.charCodeAt(i) - DIGIT_0;
    if (digit < 0 || digit > 9) return undefined;
    fraction += digit * scale;
    scale /= 10;
  }
  return seconds + fraction;
}

/** Reads a nested record `a.b.c` path set into an object, for the tool's own namespace (`zeek.dns.*`). */
export function nest(record: ZeekRecord, skip: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in record) {
    const value = record[key];
    if (value === undefined || skip.has(key)) continue;
    const converted = Array.isArray(value) ? value.map(plain) : plain(value);
    const dot = key.indexOf('.');
    if (dot === -1) {
      out[key] = converted;
      continue;
    }
    const parts = key.split('.');
    let node = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node[parts[i]];
      if (typeof next === 'object' && next !== null && !Array.isArray(next))
        node = next as Record<string, unknown>;
      else {
        const created: Record<string, unknown> = {};
        node[parts[i]] = created;
        node = created;
      }
    }
    node[parts[parts.length - 1]] = converted;
  }
  return out;
}

function plain(value: ZeekScalar): string | number | boolean {
  return value instanceof ZeekTime ? value.toISOString() : value;
}

/** `"name":` per field name; the names come from log headers, so there are few, but a hostile input is bounded. */
const memberNames = new Map<string, string>();

function memberName(name: string): string {
  let quoted = memberNames.get(name);
  if (quoted === undefined) {
    if (memberNames.size > 10_000) memberNames.clear();
    quoted = `${jsonString(name)}:`;
    memberNames.set(name, quoted);
  }
  return quoted;
}

export function scalarJson(value: ZeekScalar): string {
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') return jsonNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return `"${value.toISOString()}"`;
}

/**
 * `JSON.stringify` of `nest(record, skip)` with `members` (JSON members, `"a":1,"b":2`) added, written without
 * building the object: the namespace of every conn record is written this way. Names with a dot need nesting and
 * take the object path.
 */
export function nestJson(record: ZeekRecord, skip: ReadonlySet<string>, members = ''): string {
  let json = members;
  for (const key in record) {
    const value = record[key];
    if (value === undefined || skip.has(key)) continue;
    if (key.includes('.')) {
      const nested = JSON.stringify(nest(record, skip));
      if (members === '') return nested;
      return nested === '{}' ? `{${members}}` : `{${members},${nested.slice(1)}`;
    }
    let text: string;
    if (Array.isArray(value)) {
      text = '';
      for (const item of value) text += text === '' ? scalarJson(item) : `,${scalarJson(item)}`;
      text = `[${text}]`;
    } else {
      text = scalarJson(value);
    }
    json += json === '' ? `${memberName(key)}${text}` : `,${memberName(key)}${text}`;
  }
  return `{${json}}`;
}
