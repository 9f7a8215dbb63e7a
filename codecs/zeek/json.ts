import { ParseError } from '../../src/errors.js';
import { parseIsoTime, type ZeekEntry, type ZeekRecord, type ZeekScalar, ZeekTime } from './values.js';

/** Fields that Zeek writes as `time`; in JSON with epoch timestamps nothing else tells them from numbers. */
const EPOCH_TIME_FIELDS = new Set([
  'ts',
  'certificate.not_valid_before',
  'certificate.not_valid_after',
  'times.modified',
  'times.accessed',
  'times.created',
  'times.changed',
]);

/** Added by the JSON Streaming Logs package; `_path` names the log, the rest is about the writer. */
const WRITER_FIELDS = new Set(['_path', '_write_ts', '_system_name', '_node']);

function scalar(key: string, value: unknown): ZeekScalar | undefined {
  switch (typeof value) {
    case 'number':
      return EPOCH_TIME_FIELDS.has(key) ? new ZeekTime(value * 1000) : value;
    case 'string': {
      const ms = parseIsoTime(value);
      return ms === undefined ? value : new ZeekTime(ms);
    }
    case 'boolean':
      return value;
    default:
      return undefined;
  }
}

function flatten(source: Record<string, unknown>, prefix: string, out: ZeekRecord): void {
  for (const key in source) {
    if (prefix === '' && WRITER_FIELDS.has(key)) continue;
    const value = source[key];
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (Array.isArray(value)) {
      const items: ZeekScalar[] = [];
      for (const item of value) {
        const converted = scalar(name, item);
        if (converted !== undefined) items.push(converted);
      }
      out[name] = items;
    } else if (typeof value === 'object' && value !== null) {
      flatten(value as Record<string, unknown>, name, out);
    } else {
      const converted = scalar(name, value);
      if (converted !== undefined) out[name] = converted;
    }
  }
}

function parseObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ParseError(`zeek json: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParseError('zeek json: line is not an object');
  }
  return value as Record<string, unknown>;
}

/**
 * One line of Zeek's JSON writer: flat dotted keys (`id.orig_h`) or nested objects (`id: {orig_h}`), `ts` as
 * epoch seconds or ISO 8601, and the Splunk export wrapper `{"result":{"_raw":"<zeek json>"}}`.
 */
export function parseZeekJson(text: string): ZeekEntry {
  let object = parseObject(text);
  const result = object.result as Record<string, unknown> | undefined;
  if (typeof result === 'object' && result !== null && typeof result._raw === 'string') {
    object = parseObject(result._raw);
  }
  let path = typeof object._path === 'string' ? object._path : undefined;
  const tagged = taggedLog(object);
  if (tagged !== undefined) {
    path = tagged;
    object = object[tagged] as Record<string, unknown>;
  }
  const record: ZeekRecord = {};
  flatten(object, '', record);
  return { path, record };
}

/** The zeek-kafka plugin's `tag_json` wraps each record in its log's name: `{"conn":{"ts":…}}`. */
function taggedLog(object: Record<string, unknown>): string | undefined {
  if ('ts' in object) return undefined;
  const keys = Object.keys(object);
  if (keys.length !== 1) return undefined;
  const inner = object[keys[0]];
  return typeof inner === 'object' && inner !== null && !Array.isArray(inner) && 'ts' in inner
    ? keys[0]
    : undefined;
}
