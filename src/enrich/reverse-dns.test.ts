import { afterEach, describe, expect, it } from 'vitest';
import { ReverseDnsEnricher, type ReverseDnsOptions } from './reverse-dns.js';
import { Additions } from './types.js';

const open: ReverseDnsEnricher[] = [];
afterEach(() => {
  for (const enricher of open.splice(0)) enricher.close();
});

function enricherWith(answers: Record<string, string[] | Error>, options: Partial<ReverseDnsOptions> = {}) {
  const asked: string[] = [];
  let release: () => void = () => {};
  const gate =
    options.maxPending === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const enricher = new ReverseDnsEnricher({
    cacheSize: 100,
    ttlMs: 60_000,
    negativeTtlMs: 60_000,
    maxPending: 8,
    timeoutMs: 1000,
    servers: [],
    reverse: async (address) => {
      asked.push(address);
      await gate;
      const answer = answers[address] ?? new Error('ENOTFOUND');
      if (answer instanceof Error) throw answer;
      return answer;
    },
    ...options,
  });
  open.push(enricher);
  return { enricher, asked, release: () => release() };
}

function fieldsOf(enricher: ReverseDnsEnricher, sourceIp: string, destinationIp: string) {
  const add = new Additions();
  enricher.enrich({ sourceIp, destinationIp }, add);
  return add.toObject();
}

describe('ReverseDnsEnricher', () => {
  it('never waits: the first flow goes without names, later ones have them', async () => {
    const { enricher, asked } = enricherWith({ '192.0.2.1': ['host.example.net.'] });
    expect(fieldsOf(enricher, '192.0.2.1', '192.0.2.2')).toEqual({});
    await enricher.settled();
    expect(fieldsOf(enricher, '192.0.2.1', '192.0.2.2')).toEqual({ source: { domain: 'host.example.net' } });
    expect(fieldsOf(enricher, '192.0.2.2', '192.0.2.1')).toEqual({
      destination: { domain: 'host.example.net' },
    });
    // An address without a name is not asked about again within the negative TTL.
    expect(asked.sort()).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(enricher.counts).toMatchObject({ named: 1, unnamed: 1 });
  });

  it('bounds the lookups under way and leaves a server-named destination alone', async () => {
    const { enricher, asked, release } = enricherWith({ '192.0.2.1': ['a.example'] }, { maxPending: 1 });
    fieldsOf(enricher, '192.0.2.1', '192.0.2.2');
    expect(asked).toEqual(['192.0.2.1']);
    expect(enricher.counts.deferred).toBe(1);
    release();
    await enricher.settled();
    const add = new Additions();
    enricher.enrich({ sourceIp: '192.0.2.2', destinationIp: '192.0.2.1', tlsServerName: 'b.example' }, add);
    expect(add.toObject()).toEqual({});
  });
});
