import { describe, expect, it } from 'vitest';
import { emptyRangeNote } from './extent.js';
import { QUERY_NAMES } from './params.js';

const range = { from: Date.parse('2026-11-21T21:00:00Z'), to: Date.parse('2026-11-21T22:00:00Z') };
const INDEX = 'logs-flowtrail.flows-default*';

describe('emptyRangeNote', () => {
  it('says nothing is stored yet', () => {
    expect(emptyRangeNote({ flows: 0, in_range: 0 }, range, INDEX)).toBe(
      `no flows in 2026-11-21T21:00:00.000Z .. 2026-11-21T22:00:00.000Z: nothing is stored in ${INDEX} yet`,
    );
  });

  it('says where the stored flows are and which range to try, in the caller names for the options', () => {
    const extent = {
      flows: 5000,
      in_range: 0,
      first: '2018-03-24T17:15:20.865Z',
      last: '2018-03-24T17:41:06.001Z',
    };
    expect(emptyRangeNote(extent, range, INDEX)).toBe(
      'no flows in 2026-11-21T21:00:00.000Z .. 2026-11-21T22:00:00.000Z; the 5000 stored flow(s) end from ' +
        '2018-03-24T17:15:20.865Z to 2018-03-24T17:41:06.001Z: try --from 2018-03-24T16:41Z --to 2018-03-24T17:42Z',
    );
    expect(emptyRangeNote(extent, range, INDEX, QUERY_NAMES)).toMatch(
      /try from 2018-03-24T16:41Z to 2018-03-24T17:42Z$/,
    );
  });

  it('blames the filters when the range holds flows', () => {
    expect(emptyRangeNote({ flows: 10, in_range: 3 }, range, INDEX)).toBe(
      'none of the 3 flow(s) in 2026-11-21T21:00:00.000Z .. 2026-11-21T22:00:00.000Z matches the filters',
    );
  });
});
