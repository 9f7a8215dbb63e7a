import { describe, expect, it } from 'vitest';
import { pathTree, readPaths } from './json-paths.js';
import { sampleOf, sampleOfJson } from './sample.js';

const PATHS = ['a', 'b.c', 'b.d.e', 'f'];
const read = (json: string) => readPaths(json, pathTree(PATHS), PATHS.length);

describe('readPaths', () => {
  it('reads nested values of every JSON kind and skips the rest, escapes and brackets in strings included', () => {
    const json = JSON.stringify({
      x: { a: 'not this one', '}': ['{', '"', '\\'] },
      a: 'q"uo\\te\u00e9',
      b: { skip: [1, { c: 2 }], c: -1.5e3, d: { e: ['SYN', 'ACK'] } },
      f: null,
    });
    expect(read(json)).toEqual(['q"uo\\te\u00e9', -1500, ['SYN', 'ACK'], null]);
  });

  it('leaves absent paths undefined and reads through whitespace', () => {
    expect(read(' { "b" : { "d" : 7 , "c" : true } , "a" : 1 } ')).toEqual([1, true, undefined, undefined]);
  });

  it('stops once everything was read: what follows is never looked at', () => {
    expect(read('{"a":1,"b":{"c":2,"d":{"e":3}},"f":4,"this is not JSON')).toEqual([1, 2, 3, 4]);
  });

  it('rejects what is not a JSON object', () => {
    expect(() => read('[1]')).toThrow(SyntaxError);
    expect(() => read('{"a":"open')).toThrow(SyntaxError);
  });
});

describe('sampleOfJson', () => {
  it('samples a flow document as sampleOf does from the parsed document', () => {
    const doc = {
      '@timestamp': '2026-11-21T22:05:42.755Z',
      event: { kind: 'event', category: ['network'], module: 'netflow' },
      source: { ip: '203.0.113.66', locality: 'external', port: 34311 },
      destination: { ip: '10.77.0.2', locality: 'internal', port: 3389 },
      network: { transport: 'tcp', bytes: 44, community_id: '1:x' },
      related: { ip: ['203.0.113.66', '10.77.0.2'] },
      observer: { ip: '127.0.0.1' },
      flowtrail: { tcp_flags: ['SYN'] },
      netflow: { exporter: { address: '127.0.0.1:59923', version: 10 }, octet_delta_count: 44 },
    };
    const sample = sampleOfJson(JSON.stringify(doc));
    expect(sample).toEqual(sampleOf(doc));
    expect(sample).toMatchObject({ failed: true, observer: '127.0.0.1:59923', destinationInternal: true });
  });

  it('has no sample for a record without addresses', () => {
    expect(sampleOfJson('{"@timestamp":"2026-11-21T22:05:42.755Z","source":{}}')).toBeUndefined();
  });
});
