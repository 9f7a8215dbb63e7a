import { describe, expect, it } from 'vitest';
import { chosen, observerFilter, PerObserver } from './observers.js';

describe('PerObserver', () => {
  const rows = () => {
    const per = new PerObserver(() => ({ bytes: 0 }));
    per.row('10.77.0.5', '192.0.2.1:2055').bytes += 100;
    per.row('10.77.0.5', '192.0.2.1:2055').bytes += 20;
    per.row('10.77.0.5', '192.0.2.2:2055').bytes += 110;
    per.row('10.77.0.9', '192.0.2.2:2055').bytes += 5;
    per.row('10.77.0.9', '192.0.2.1:2055').bytes += 5;
    return per;
  };

  it('keeps, per thing, the observer that saw the most of it, not the sum of observers', () => {
    expect(rows().rows((r) => r.bytes, false)).toEqual([
      { bytes: 120, observer: '192.0.2.1:2055' },
      // A tie goes to the observer named first, so that the same data always gives the same answer.
      { bytes: 5, observer: '192.0.2.1:2055' },
    ]);
  });

  it('keeps every observer side by side when asked', () => {
    expect(rows().rows((r) => r.bytes, true)).toHaveLength(4);
  });
});

describe('chosen', () => {
  const buckets = [
    { key: 'b', bytes: 10 },
    { key: 'a', bytes: 10 },
    { key: null, bytes: 3 },
  ];
  it('takes the heaviest bucket, the first named on a tie, or all of them', () => {
    expect(chosen(buckets, (b) => b.bytes, false)).toEqual([{ key: 'a', bytes: 10 }]);
    expect(chosen(buckets, (b) => b.bytes, true)).toHaveLength(3);
  });
});

describe('observerFilter', () => {
  it('selects records of one observer, or records naming none for -', () => {
    expect(observerFilter({ each: false })).toEqual([]);
    expect(observerFilter({ only: '192.0.2.1:2055', each: false })).toEqual([
      { term: { 'flowtrail.observer': '192.0.2.1:2055' } },
    ]);
    expect(observerFilter({ only: '-', each: false })).toEqual([
      { bool: { must_not: { exists: { field: 'flowtrail.observer' } } } },
    ]);
  });
});
