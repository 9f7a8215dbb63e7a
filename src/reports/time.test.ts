import { describe, expect, it } from 'vitest';
import { parseRange, parseTime } from './time.js';

const now = Date.parse('2026-11-21T23:00:00Z');

describe('parseTime', () => {
  it('reads ISO, minutes in UTC, epoch ms and times relative to now', () => {
    expect(parseTime('2026-11-21T22:05Z', 'x', now)).toBe(Date.parse('2026-11-21T22:05:00Z'));
    expect(parseTime('2026-11-21 22:05', 'x', now)).toBe(Date.parse('2026-11-21T22:05:00Z'));
    expect(parseTime('2026-11-21 23:05+01:00', 'x', now)).toBe(Date.parse('2026-11-21T22:05:00Z'));
    expect(parseTime('1795300000000', 'x', now)).toBe(1795300000000);
    expect(parseTime('-15m', 'x', now)).toBe(now - 900_000);
    expect(parseTime('now-2h', 'x', now)).toBe(now - 7_200_000);
    expect(() => parseTime('yesterday', '--from', now)).toThrow(/--from: cannot read "yesterday"/);
  });

  it('defaults to the last hour and refuses an empty range', () => {
    expect(parseRange(undefined, undefined, now)).toEqual({ from: now - 3_600_000, to: now });
    expect(() => parseRange('now', '-1h', now)).toThrow(/--to must be after --from/);
  });
});
