/** Zones of times written without one: an IANA name, UTC, or a fixed `±HH:MM` offset. */

/** A local wall time, as logs without a zone write it; the year only where they have one. */
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

/** Whether the zone is one of these forms and, for a name, one Intl knows: a typo then fails at startup. */
export function isTimezone(zone: string): boolean {
  if (zone === 'UTC' || zone === 'Z' || FIXED_OFFSET.test(zone)) return true;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC in ms at an instant. */
export function offsetAt(utcMs: number, zone: string): number {
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
