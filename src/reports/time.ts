import { UsageError } from '../errors.js';
import { FLAG_NAMES, type Naming } from './params.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** The last millisecond of the year 9999: Elasticsearch's dates and ISO text with four-digit years end there. */
const LATEST = 253_402_300_799_999;

/**
 * A point in time as people type it on the command line or in a query string: ISO 8601 (`2026-11-21T22:05Z`),
 * a date with a minute (`2026-11-21 22:05`, UTC unless it says otherwise), epoch milliseconds, `now`, or
 * `now-15m` / `-15m` (relative to now).
 */
export function parseTime(text: string, what: string, now = Date.now()): number {
  const value = text.trim();
  if (value === 'now') return now;
  const relative = value.match(/^(?:now)?-(\d{1,9})([smhdw])$/);
  if (relative) return inBounds(now - Number(relative[1]) * UNITS[relative[2]], text, what);
  if (/^\d{10,15}$/.test(value)) return inBounds(Number(value), text, what);
  const spaced = value.match(/^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(.*)$/);
  const iso = spaced
    ? `${spaced[1]}T${spaced[2]}${spaced[3] || 'Z'}`
    : /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? `${value}T00:00Z`
      : value;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms))
    throw new UsageError(`${what}: cannot read "${text}" as a time (e.g. 2026-11-21T22:05Z or -1h)`);
  return inBounds(ms, text, what);
}

function inBounds(ms: number, text: string, what: string): number {
  if (!(ms >= 0 && ms <= LATEST))
    throw new UsageError(`${what}: "${text}" is outside the years 1970 to 9999`);
  return ms;
}

export interface TimeRange {
  from: number;
  to: number;
}

/** `from`/`to` with their defaults (the last hour) and a check that the range is not empty. */
export function parseRange(
  from: string | undefined,
  to: string | undefined,
  now = Date.now(),
  naming: Naming = FLAG_NAMES,
): TimeRange {
  const range = {
    from: from === undefined ? now - 3_600_000 : parseTime(from, naming('from'), now),
    to: to === undefined ? now : parseTime(to, naming('to'), now),
  };
  if (range.to <= range.from) throw new UsageError(`${naming('to')} must be after ${naming('from')}`);
  return range;
}

/** A range as results show it: ISO 8601 UTC. */
export function isoRange(range: TimeRange): { from: string; to: string } {
  return { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
}
/** A date_histogram interval giving about `buckets` buckets over the range, in whole seconds. */
export function histogramInterval(from: number, to: number, buckets = 60): string {
  return `${Math.max(1, Math.ceil((to - from) / buckets / 1000))}s`;
}
