import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time as people type it on the command line or in a query string: ISO 8601 (`2026-11-21T22:05Z`),
 * a date with a minute (`2026-11-21 22:05`, UTC unless it says otherwise), epoch milliseconds, `now`, or
 * `now-15m` / `-15m` (relative to now).
 */
export function parseTime(text: string, what: string, now = Date.now()): number {
  const value = text.trim();
  if (value === 'now') return now;
  const relative = value.match(/^(?:now)?-(\d+)([smhdw])$/);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]];
  if (/^\d{10,}$/.test(value)) return Number(value);
  const spaced = value.match(/^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(.*)$/);
  const iso = spaced
    ? `${spaced[1]}T${spaced[2]}${spaced[3] || 'Z'}`
    : /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? `${value}T00:00Z`
      : value;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms))
    throw new UsageError(`${what}: cannot read "${text}" as a time (e.g. 2026-11-21T22:05Z or -1h)`);
  return ms;
}

export interface TimeRange {
  from: number;
  to: number;
}

/** `--from`/`--to` with their defaults (the last hour) and a check that the range is not empty. */
export function parseRange(from: string | undefined, to: string | undefined, now = Date.now()): TimeRange {
  const range = {
    from: from === undefined ? now - 3_600_000 : parseTime(from, '--from', now),
    to: to === undefined ? now : parseTime(to, '--to', now),
  };
  if (range.to <= range.from) throw new UsageError('--to must be after --from');
  return range;
}
