import { describe, expect, it } from 'vitest';
import { type FlowFacts, toFlowRecord } from '../schema/flow.js';
import { LocalNetworks } from '../schema/locality.js';
import { InterfaceNames } from './interface-names.js';
import { ObserverEnricher } from './observer-enricher.js';
import { ObserverNames } from './observer-names.js';
import { Additions } from './types.js';

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
  it('lays the configuration over SNMP field by field', () => {
    const names = new InterfaceNames({ '192.0.2.1': { '3': { alias: 'ISP A' } } });
    names.setPolled({
      '192.0.2.1': {
        '3': { name: 'ge-0/0/3', alias: 'polled', speed_mbps: 10_000 },
        '4': { name: 'ge-0/0/4' },
      },
    });
    expect(names.labelOf('192.0.2.1', '3')).toEqual({ name: 'ge-0/0/3', alias: 'ISP A', speed_mbps: 10_000 });
    expect(names.labelOf('192.0.2.1', '4')).toEqual({ name: 'ge-0/0/4' });
    expect(names.labelOf('192.0.2.2', '3')).toBeUndefined();
  });

  it('replaces the whole polled table with each poll, keeping the configuration', () => {
    const names = new InterfaceNames({ '192.0.2.1': { '1': { name: 'configured' } } });
    names.setPolled({ '192.0.2.1': { '4': { name: 'old' } } });
    names.setPolled({ '192.0.2.1': { '5': { name: 'new' } } });
    expect(names.labelOf('192.0.2.1', '4')).toBeUndefined();
    expect(names.labelOf('192.0.2.1', '5')).toEqual({ name: 'new' });
    expect(names.labelOf('192.0.2.1', '1')).toEqual({ name: 'configured' });
    expect(new InterfaceNames().empty).toBe(true);
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

/** The flow's document as `toFlowRecord` writes it with what `enricher` adds. */
function enriched(enricher: ObserverEnricher, facts: FlowFacts): Record<string, unknown> {
  const additions = new Additions();
  enricher.enrich(facts, additions);
  return JSON.parse(toFlowRecord(facts, { localNetworks: new LocalNetworks([]), now: 0, additions }).json);
}

describe('ObserverEnricher', () => {
  it('names the observer and both interfaces of a flow, and writes their speeds', () => {
    const enricher = new ObserverEnricher({
      observers: { names: { '192.0.2.1': 'edge-1' } },
      interfaces: {
        '192.0.2.1': {
          '3': { name: 'ge-0/0/3', speed_mbps: 1000 },
          '5': { name: 'ge-0/0/5', alias: 'core' },
        },
      },
    });
    const doc = enriched(
      enricher,
      flow({ ip: '192.0.2.1', ingress: { interface: { id: '3' } }, egress: { interface: { id: '5' } } }),
    );
    expect(doc.observer).toEqual({
      ip: '192.0.2.1',
      name: 'edge-1',
      ingress: { interface: { id: '3', name: 'ge-0/0/3' } },
      egress: { interface: { id: '5', name: 'ge-0/0/5', alias: 'core' } },
    });
    expect(doc.flowtrail).toMatchObject({ ingress_interface: { speed_mbps: 1000 } });
    expect(doc.flowtrail).not.toHaveProperty('egress_interface');
    expect(enriched(enricher, flow(undefined))).not.toHaveProperty('observer');
  });

  it("lays the configuration's and SNMP's names over the options data's, field by field", () => {
    const enricher = new ObserverEnricher({
      observers: {},
      interfaces: { '192.0.2.1': { '3': { alias: 'ISP A' } } },
      polled: { '192.0.2.1': { '3': { name: 'ge-0/0/3', alias: 'polled' }, '4': { name: 'ge-0/0/4' } } },
    });
    const doc = enriched(
      enricher,
      flow({
        ip: '192.0.2.1',
        ingress: { interface: { id: '3', name: 'from options', alias: 'options alias' } },
        egress: { interface: { id: '4', alias: 'options alias' } },
      }),
    );
    expect(doc.observer).toEqual({
      ip: '192.0.2.1',
      ingress: { interface: { id: '3', name: 'ge-0/0/3', alias: 'ISP A' } },
      egress: { interface: { id: '4', name: 'ge-0/0/4', alias: 'options alias' } },
    });
    const other = enriched(
      enricher,
      flow({ ip: '192.0.2.2', ingress: { interface: { id: '3', name: 'x' } } }),
    );
    expect(other.observer).toEqual({ ip: '192.0.2.2', ingress: { interface: { id: '3', name: 'x' } } });
  });
});
