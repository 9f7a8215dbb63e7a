import { ParseError } from '../../src/errors.js';

/** A Snort timestamp as written: local wall time, with a year only when Snort ran with `-y`. */
export interface WallTime {
  year?: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of the second in ms (sub-ms digits kept as decimals). */
  fractionMs: number;
}

const SNORT_TIME = /^(\d\d)\/(\d\d)(?:\/(\d\d))?-(\d\d):(\d\d):(\d\d)(?:\.(\d+))?/;

/** `MM/DD-hh:mm:ss.uuuuuu` or, with `-y`, `MM/DD/YY-hh:mm:ss.uuuuuu`; returns the time and its length. */
export function parseSnortTime(text: string): { time: WallTime; length: number } {
  const m = SNORT_TIME.exec(text);
  if (m === null) throw new ParseError('snort: no MM/DD-hh:mm:ss timestamp');
  return {
    time: {
      year: m[3] === undefined ? undefined : 2000 + Number(m[3]),
      month: Number(m[1]),
      day: Number(m[2]),
      hour: Number(m[4]),
      minute: Number(m[5]),
      second: Number(m[6]),
      fractionMs: m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000,
    },
    length: m[0].length,
  };
}

const FIXED_OFFSET = /^([+-])(\d\d):?(\d\d)$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Throws on a zone name that Intl does not know, so a typo in the configuration fails at startup. */
export function checkTimezone(zone: string): void {
  if (zone === 'UTC' || zone === 'Z' || FIXED_OFFSET.test(zone)) return;
  formatter(zone);
}

/** The zone's offset from UTC in ms at an instant. */
function offsetAt(utcMs: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Z') return 0;
  const fixed = FIXED_OFFSET.exec(zone);
  if (fixed !== null)
    return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3])) * 60_000;
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(utcMs))) parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** Wall time in a zone to epoch ms; in a DST gap or overlap, the offset in force just before wins. */
export function zonedEpoch(t: WallTime, year: number, zone: string): number {
  const wall = Date.UTC(year, t.month - 1, t.day, t.hour, t.minute, t.second) + t.fractionMs;
  const first = wall - offsetAt(wall, zone);
  const second = wall - offsetAt(first, zone);
  return second;
}

function validDay(year: number, month: number, day: number): boolean {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

const FUTURE_TOLERANCE_MS = 60 * 60_000;

/**
 * Epoch ms of a Snort timestamp. Without a year, it takes the latest year that does not put the alert after
 * `reference` (the file's mtime or now, plus an hour for clock skew): an alert of Dec 31 read on Jan 1 lands in
 * the old year, and Feb 29 goes back to the last leap year.
 */
export function snortEpoch(t: WallTime, zone: string, reference: number): number {
  if (t.year !== undefined) return zonedEpoch(t, t.year, zone);
  const referenceYear = new Date(reference + offsetAt(reference, zone)).getUTCFullYear();
  for (let year = referenceYear + 1; year > referenceYear - 8; year--) {
    if (!validDay(year, t.month, t.day)) continue;
    const epoch = zonedEpoch(t, year, zone);
    if (epoch <= reference + FUTURE_TOLERANCE_MS) return epoch;
  }
  throw new ParseError(`snort: invalid date ${t.month}/${t.day}`);
}
