import { describe, expect, it } from 'vitest';
import { ArrivalCursor, SETTLE_MS } from './arrivals.js';

const hit = (id: string, at: number) => ({
  _id: id,
  _index: 'flows',
  _source: { event: { ingested: new Date(at).toISOString() } },
});

describe('ArrivalCursor', () => {
  it('hands each document over once, however often the settle time shows it again', () => {
    const t = Date.parse('2026-11-21T22:00:00Z');
    const cursor = new ArrivalCursor(t);
    expect(cursor.since()).toBe(t - SETTLE_MS);
    expect(cursor.admit([hit('b', t + 2000), hit('a', t + 1000)]).map((h) => h._id)).toEqual(['b', 'a']);
    expect(cursor.position()).toBe(t + 2000);
    // A late-searchable document stamped before the newest one still comes through; the others do not again.
    expect(
      cursor.admit([hit('c', t + 3000), hit('b', t + 2000), hit('d', t + 500)]).map((h) => h._id),
    ).toEqual(['c', 'd']);
    expect(cursor.since()).toBe(t + 3000 - SETTLE_MS);
  });

  it('forgets ids once they are older than the settle time before the newest stamp', () => {
    const t = Date.parse('2026-11-21T22:00:00Z');
    const cursor = new ArrivalCursor(t);
    cursor.admit([hit('old', t), hit('mid', t + SETTLE_MS)]);
    expect(cursor.seenCount()).toBe(2);
    cursor.admit([hit('new', t + SETTLE_MS + 1)]);
    expect(cursor.seenCount()).toBe(2);
    expect(cursor.admit([hit('mid', t + SETTLE_MS)])).toEqual([]);
  });
});
