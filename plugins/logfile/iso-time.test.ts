import { describe, expect, it } from 'vitest';
import { IsoFormatter } from '../../src/schema/flow.js';

describe('IsoFormatter', () => {
  it('formats exactly as Date#toISOString, fractional, repeated and far-off times included', () => {
    const formatter = new IsoFormatter();
    const times = [0, 0.9, 1.5, 999.999, 1000, 1_521_911_720_001.25, 1_521_911_720_999.9, 1_521_911_721_000];
    for (let i = 0; i < 2000; i++) times.push(Math.random() * 4_102_444_800_000);
    times.push(253_402_300_799_999, 253_402_300_800_000, -1, -1000.5);
    for (const ms of times) expect(formatter.format(ms)).toBe(new Date(ms).toISOString());
    expect(() => formatter.format(Number.NaN)).toThrow(RangeError);
  });
});
