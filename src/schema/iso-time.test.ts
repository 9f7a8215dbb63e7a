import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/support/random.js';
import { IsoFormatter } from './iso-time.js';

describe('IsoFormatter', () => {
  it('formats exactly as Date#toISOString, fractional, repeated and far-off times included', () => {
    const formatter = new IsoFormatter();
    const times = [0, 0.9, 1.5, 999.999, 1000, 1_521_911_720_001.25, 1_521_911_720_999.9, 1_521_911_721_000];
    for (let i = 0; i < 2000; i++) times.push(Math.random() * 4_102_444_800_000);
    times.push(253_402_300_799_999, 253_402_300_800_000, -1, -1000.5);
    for (const ms of times) expect(formatter.format(ms)).toBe(new Date(ms).toISOString());
    expect(() => formatter.format(Number.NaN)).toThrow(RangeError);
  });

  it('formats flow ends as Date#toISOString, however the seconds it remembers recur', () => {
    const formatter = new IsoFormatter();
    const next = seededRandom(9);
    let start = 1_521_911_720_000;
    for (let i = 0; i < 20_000; i++) {
      start += next() * 50;
      // Mostly short flows; some an hour, some a day, which land on remembered slots of other seconds.
      const duration =
        next() < 0.9 ? next() * 5_000 : next() < 0.5 ? 3_600_000 : 86_400_000 + next() * 64_000;
      const end = start + duration;
      expect(formatter.format(end)).toBe(new Date(end).toISOString());
    }
  });

  it('throws again for a time out of range, instead of reusing what it formatted before the failure', () => {
    const formatter = new IsoFormatter();
    expect(formatter.format(1_521_911_720_000)).toBe('2018-03-24T17:15:20.000Z');
    const outOfRange = 8.64e15 + 64_000;
    expect(() => formatter.format(outOfRange)).toThrow(RangeError);
    expect(() => formatter.format(outOfRange + 1)).toThrow(RangeError);
  });
});
