import { describe, expect, it } from 'vitest';
import { seededRandom as random } from '../../test/support/random.js';
import { nest, nestJson, type ZeekRecord, ZeekTime, type ZeekValue } from './values.js';

const NAMES = ['history', 'orig_bytes', 'local_orig', 'tunnel_parents', 'ts', 'uid', 'a"b', 'é', 'x\\y'];
const DOTTED = ['id.orig_h', 'inner.vlan', 'inner.outer.deep'];
const STRINGS = ['ShADadFf', '', 'quote " and \\ backslash', 'line\nbreak', '\u0001', 'é€😀', '\ud800'];

function value(next: () => number): ZeekValue | undefined {
  const kind = Math.floor(next() * 7);
  if (kind === 0) return undefined;
  if (kind === 1) return STRINGS[Math.floor(next() * STRINGS.length)];
  if (kind === 2) return next() < 0.1 ? Number.NaN : Math.floor(next() * 1e9) / (next() < 0.5 ? 1 : 1000);
  if (kind === 3) return next() < 0.5;
  if (kind === 4) return new ZeekTime(1_521_911_720_000 + next() * 1e9);
  if (kind === 5) return [];
  return [STRINGS[Math.floor(next() * STRINGS.length)], Math.floor(next() * 100), new ZeekTime(1e12)];
}

describe('zeek namespace written straight to JSON', () => {
  it('is JSON.stringify of the nested record, with the added members, for generated records', () => {
    const next = random(11);
    const skip = new Set(['ts', 'uid', 'id.orig_h']);
    for (let i = 0; i < 5000; i++) {
      const record: ZeekRecord = {};
      for (const name of [...NAMES, ...(next() < 0.2 ? DOTTED : [])])
        if (next() < 0.7) record[name] = value(next);
      const added = next() < 0.5 ? { state: 'SF', icmp: { type: 8, code: 0 } } : {};
      const members = Object.keys(added).length === 0 ? '' : JSON.stringify(added).slice(1, -1);
      const expected = { ...added, ...nest(record, skip) };
      expect(JSON.parse(nestJson(record, skip, members)), JSON.stringify(record)).toEqual(
        JSON.parse(JSON.stringify(expected)),
      );
    }
  });
});
