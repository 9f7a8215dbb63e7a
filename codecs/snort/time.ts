import { ParseError } from '../../src/errors.js';
import { offsetAt, type WallTime, zonedEpoch } from '../../src/util/timezone.js';

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
