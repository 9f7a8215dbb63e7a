import { describe, expect, it } from 'vitest';
import { RecentCache } from './recent-cache.js';

describe('RecentCache', () => {
  it('holds at most its capacity and keeps what was read recently', () => {
    const cache = new RecentCache<number, string>(4);
    for (let i = 0; i < 4; i++) cache.set(i, `v${i}`);
    expect(cache.size).toBe(4);
    // 0 is in the old generation: reading it brings it back before 1 is dropped.
    expect(cache.get(0)).toBe('v0');
    cache.set(4, 'v4');
    cache.set(5, 'v5');
    expect(cache.size).toBeLessThanOrEqual(4);
    expect(cache.get(0)).toBe('v0');
    expect(cache.get(1)).toBeUndefined();
    expect(cache.get(5)).toBe('v5');
  });

  it('replaces a value in place and forgets deleted keys', () => {
    const cache = new RecentCache<string, number>(10);
    cache.set('a', 1);
    cache.set('a', 2);
    expect(cache.get('a')).toBe(2);
    expect(cache.size).toBe(1);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
  });
});
