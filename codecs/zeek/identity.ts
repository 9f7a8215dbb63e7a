import { hash } from 'node:crypto';
import { type ZeekRecord, type ZeekScalar, ZeekTime } from './values.js';

/**
 * A value as both of Zeek's writers give it once read: TSV prints doubles and intervals with six decimals where
 * JSON prints every digit (`0.000870` and `0.0008699893951416016`), so numbers count to the sixth decimal; times
 * to the microsecond, which both carry. The tag keeps `"1"` apart from `1` and `true`.
 */
function canonical(value: ZeekScalar): string {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number') return `n${Math.round(value * 1e6)}`;
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  if (value instanceof ZeekTime) return `t${Math.round(value.ms * 1000)}`;
  return `?${String(value)}`;
}

/** Field names in name order, per set of names: the records of one log share a few such sets. */
const orders = new Map<string, string[]>();

function sortedKeys(record: ZeekRecord): string[] {
  const keys = Object.keys(record);
  const joined = keys.join('\u0000');
  let sorted = orders.get(joined);
  if (sorted === undefined) {
    // Names come from the input: a hostile one with ever new names stays bounded.
    if (orders.size > 1000) orders.clear();
    sorted = [...keys].sort();
    orders.set(joined, sorted);
  }
  return sorted;
}

/**
 * The identity of a record from its content: the log's name and a digest of its fields, in name order, unset
 * ones left out. The same record read from a TSV log and from a JSON log (or again, from a rotated copy, or
 * from Kafka) has the same identity and so becomes one document. Two records whose every field is the same,
 * to the microsecond, are taken for one.
 */
export function recordIdentity(log: string, record: ZeekRecord): string {
  // One string hashed at once: an update per field costs more than the text it adds.
  let text = log;
  for (const key of sortedKeys(record)) {
    const value = record[key];
    if (value === undefined) continue;
    text += `\u0000${key}\u0001`;
    if (Array.isArray(value)) for (const item of value) text += `\u0002${canonical(item)}`;
    else text += canonical(value);
  }
  return `${log}:${hash('sha1', text, 'base64url')}`;
}

/** A conn record is known by its uid; any other record, and a conn record without one, by its content. */
export function zeekIdentity(log: string, record: ZeekRecord): string {
  const uid = log === 'conn' ? record.uid : undefined;
  return typeof uid === 'string' ? uid : recordIdentity(log, record);
}
