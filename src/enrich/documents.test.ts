import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMmdb } from '../../test/support/mmdb-writer.js';
import { toFlowRecord } from '../schema/flow.js';
import { JsonRecord } from '../schema/json-record.js';
import { LocalNetworks } from '../schema/locality.js';
import { enrichDocument, enrichRecords } from './documents.js';
import { createEnrichers, type Enrichers } from './enrichers.js';
import { enrichmentSettings } from './settings.js';
import { Additions } from './types.js';

let dir: string;
let enrichers: Enrichers;
const UK = { country_iso_code: 'GB', country_name: 'United Kingdom', location: { lat: 51.5, lon: -0.1 } };
const AS = { number: 64_496, organization: { name: 'Example Transit' } };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowtrail-enrich-'));
  const city = join(dir, 'city.mmdb');
  const asn = join(dir, 'asn.mmdb');
  writeFileSync(
    city,
    writeMmdb('GeoLite2-City', {
      '81.2.69.0/24': {
        country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
        location: { latitude: 51.5, longitude: -0.1 },
      },
    }),
  );
  writeFileSync(
    asn,
    writeMmdb('GeoLite2-ASN', {
      '81.2.69.0/24': { autonomous_system_number: 64_496, autonomous_system_organization: 'Example Transit' },
    }),
  );
  enrichers = createEnrichers(enrichmentSettings.parse({ geoip: { city, asn, check_interval: 0 } }), {
    localNetworks: ['10.0.0.0/8'],
    warn: () => {},
  });
});

afterAll(() => {
  enrichers.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('flow documents', () => {
  it('carry geo, AS and application in source/destination, their client/server copies and network', () => {
    const facts = {
      module: 'netflow',
      action: 'netflow_flow',
      protocol: 6,
      sourceIp: '10.1.1.1',
      sourcePort: 50_000,
      destinationIp: '81.2.69.10',
      destinationPort: 443,
      identity: 'x',
      observer: { ip: '192.0.2.1' },
      extra: { netflow: { type: 'netflow_flow' } },
    };
    const add = new Additions();
    enrichers.apply(facts, add);
    const record = toFlowRecord(facts, {
      localNetworks: new LocalNetworks(['10.0.0.0/8']),
      now: 0,
      additions: add,
    });
    const doc = JSON.parse(record.json);
    expect(doc.destination).toMatchObject({ ip: '81.2.69.10', geo: UK, as: AS });
    expect(doc.source.geo).toBeUndefined();
    expect(doc.server).toMatchObject({ ip: '81.2.69.10', geo: UK, as: AS });
    expect(doc.client.geo).toBeUndefined();
    expect(doc.network.application).toBe('https');
    expect(doc.observer).toEqual({ ip: '192.0.2.1' });
    expect(doc.netflow).toEqual({ type: 'netflow_flow' });
    // The id does not depend on what enrichment found: a re-send after a database update overwrites.
    expect(record.id).toBe(toFlowRecord(facts, { localNetworks: new LocalNetworks([]), now: 0 }).id);
  });

  it('put additions under objects the flow does not write next to the source namespace', () => {
    const add = new Additions();
    add.add('observer', 'name', 'edge-1');
    add.add('dns', 'question', { registered_domain: 'example.com' });
    const facts = {
      module: 'zeek',
      action: 'conn',
      protocol: 17,
      sourceIp: '10.0.0.1',
      destinationIp: '10.0.0.2',
      identity: 'y',
      extra: { dns: { id: 7 } },
    };
    const doc = JSON.parse(
      toFlowRecord(facts, { localNetworks: new LocalNetworks([]), now: 0, additions: add }).json,
    );
    expect(doc.observer).toEqual({ name: 'edge-1' });
    expect(doc.dns).toEqual({ id: 7, question: { registered_domain: 'example.com' } });
  });
});

describe('other documents', () => {
  it('get the fields merged into what they have, client/server as their endpoints', () => {
    const doc: Record<string, unknown> = {
      source: { ip: '10.0.0.5', port: 51_000 },
      destination: { ip: '81.2.69.20', port: 443 },
      client: { ip: '10.0.0.5' },
      server: { ip: '81.2.69.20' },
      network: { iana_number: '6', protocol: 'tls' },
      tls: { client: { server_name: 'www.example.co.uk' } },
    };
    enrichDocument(doc, enrichers);
    const named = {
      domain: 'www.example.co.uk',
      registered_domain: 'example.co.uk',
      top_level_domain: 'co.uk',
      subdomain: 'www',
    };
    expect(doc.source).toEqual({ ip: '10.0.0.5', port: 51_000 });
    expect(doc.client).toEqual({ ip: '10.0.0.5' });
    expect(doc.destination).toEqual({ ip: '81.2.69.20', port: 443, geo: UK, as: AS, ...named });
    expect(doc.server).toEqual({ ip: '81.2.69.20', geo: UK, as: AS, ...named });
    expect(doc.network).toEqual({ iana_number: '6', protocol: 'tls', application: 'tls' });
  });

  it('are serialized again when their source wrote them beforehand', () => {
    const record = {
      dataset: 'flowtrail.zeek_dns',
      id: '1',
      doc: { dns: { question: { name: 'a.example.org' } } } as Record<string, unknown>,
      json: '{"dns":{"question":{"name":"a.example.org"}}}',
    };
    enrichRecords([record], enrichers);
    expect(JSON.parse(record.json)).toEqual({
      dns: {
        question: {
          name: 'a.example.org',
          registered_domain: 'example.org',
          top_level_domain: 'org',
          subdomain: 'a',
        },
      },
    });
  });

  it('written as text, are written again only when something was found for them', () => {
    const text = '{"source":{"ip":"10.0.0.1"},"destination":{"ip":"10.0.0.2"},"network":{"iana_number":"1"}}';
    const untouched = new JsonRecord('flowtrail.flows', 'a', text);
    const found = new JsonRecord('flowtrail.flows', 'b', text.replace('10.0.0.2', '81.2.69.3'));
    enrichRecords([untouched, found], enrichers);
    expect(untouched.json).toBe(text);
    expect(JSON.parse(found.json).destination).toEqual({ ip: '81.2.69.3', geo: UK, as: AS });
  });
});
