import { describe, expect, it } from 'vitest';
import type { FlowFacts } from '../schema/flow.js';
import { InterfaceNames } from './interface-names.js';
import { ObserverEnricher } from './observer-enricher.js';
import { ObserverNames } from './observer-names.js';

function flow(observer: FlowFacts['observer']): FlowFacts {
  return {
    module: 'netflow',
    action: 'netflow_flow',
    protocol: 6,
    sourceIp: '10.0.0.1',
    destinationIp: '192.0.2.7',
    identity: 'x',
    observer,
  };
}

/** A reverse lookup answering from `names`, counting the questions and resolving when `release` is called. */
function lookupOf(names: Record<string, string[]>) {
  const asked: string[] = [];
  const waiting: Array<() => void> = [];
  const lookup = (ip: string) => {
    asked.push(ip);
    return new Promise<string[]>((resolve, reject) =>
      waiting.push(() => (names[ip] ? resolve(names[ip]) : reject(new Error('ENOTFOUND')))),
    );
  };
  const release = async () => {
    for (const answer of waiting.splice(0)) answer();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { lookup, asked, release };
}

describe('InterfaceNames', () => {
  it('lays the configuration over SNMP over the options data, field by field', () => {
    const names = new InterfaceNames({ '192.0.2.1': { '3': { alias: 'ISP A' } } });
    names.setPolled({
      '192.0.2.1': { '3': { name: 'ge-0/0/3', alias: 'polled' }, '4': { name: 'ge-0/0/4' } },
    });
    const three = { id: '3', name: 'from options', alias: 'options alias' };
    names.apply('192.0.2.1', three);
    expect(three).toEqual({ id: '3', name: 'ge-0/0/3', alias: 'ISP A' });
    const four = { id: '4', alias: 'options alias' };
    names.apply('192.0.2.1', four);
    expect(four).toEqual({ id: '4', name: 'ge-0/0/4', alias: 'options alias' });
    const other = { id: '3' };
    names.apply('192.0.2.2', other);
    expect(other).toEqual({ id: '3' });
  });

  it('replaces the whole polled table with each poll', () => {
    const names = new InterfaceNames();
    expect(names.empty).toBe(true);
    names.setPolled({ '192.0.2.1': { '4': { name: 'old' } } });
    names.setPolled({ '192.0.2.1': { '5': { name: 'new' } } });
    const four = { id: '4' };
    names.apply('192.0.2.1', four);
    expect(four).toEqual({ id: '4' });
  });
});

describe('ObserverNames', () => {
  it('names configured exporters without asking DNS', () => {
    const { lookup, asked } = lookupOf({});
    const names = new ObserverNames({ names: { '192.0.2.1': 'edge-1' }, reverseDns: true, lookup });
    expect(names.nameOf('192.0.2.1')).toBe('edge-1');
    expect(asked).toEqual([]);
  });

  it('looks a name up once in the background, and gives it from then on until it expires', async () => {
    let now = 0;
    const { lookup, asked, release } = lookupOf({ '192.0.2.9': ['edge-9.example.net.'] });
    const names = new ObserverNames({ reverseDns: true, lookup, ttlMs: 1000 }, () => now);
    expect(names.nameOf('192.0.2.9')).toBeUndefined();
    expect(names.nameOf('192.0.2.9')).toBeUndefined();
    expect(asked).toEqual(['192.0.2.9']);
    await release();
    expect(names.nameOf('192.0.2.9')).toBe('edge-9.example.net');
    now = 2000;
    // Expired: the old name is given while it is asked again.
    expect(names.nameOf('192.0.2.9')).toBe('edge-9.example.net');
    expect(asked).toHaveLength(2);
  });

  it('remembers that an address has no name, and asks nothing without reverse_dns', async () => {
    const { lookup, asked, release } = lookupOf({});
    const names = new ObserverNames({ reverseDns: true, lookup });
    names.nameOf('192.0.2.8');
    await release();
    expect(names.nameOf('192.0.2.8')).toBeUndefined();
    expect(asked).toEqual(['192.0.2.8']);
    expect(names.failures).toBe(1);
    const off = new ObserverNames({ lookup });
    expect(off.empty).toBe(true);
    expect(off.nameOf('192.0.2.8')).toBeUndefined();
    expect(asked).toHaveLength(1);
  });

  it('keeps at most maxEntries answers, forgetting the oldest', async () => {
    const { lookup, asked, release } = lookupOf({ a: ['a.'], b: ['b.'], c: ['c.'] });
    const names = new ObserverNames({ reverseDns: true, lookup, maxEntries: 2 });
    for (const ip of ['a', 'b', 'c']) names.nameOf(ip);
    await release();
    expect(names.nameOf('c')).toBe('c');
    expect(names.nameOf('b')).toBe('b');
    expect(names.nameOf('a')).toBeUndefined();
    expect(asked).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('ObserverEnricher', () => {
  it('sets observer.name and names both interfaces of a flow', () => {
    const enricher = new ObserverEnricher({
      observers: { names: { '192.0.2.1': 'edge-1' } },
      interfaces: { '192.0.2.1': { '3': { name: 'ge-0/0/3' }, '5': { name: 'ge-0/0/5', alias: 'core' } } },
    });
    const facts = flow({
      ip: '192.0.2.1',
      ingress: { interface: { id: '3' } },
      egress: { interface: { id: '5' } },
    });
    enricher.enrich(facts);
    expect(facts.observer).toEqual({
      ip: '192.0.2.1',
      name: 'edge-1',
      ingress: { interface: { id: '3', name: 'ge-0/0/3' } },
      egress: { interface: { id: '5', name: 'ge-0/0/5', alias: 'core' } },
    });
    const bare = flow(undefined);
    enricher.enrich(bare);
    expect(bare.observer).toBeUndefined();
  });
});
