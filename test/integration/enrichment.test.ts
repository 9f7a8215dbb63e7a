import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { NetflowDecoder } from '../../plugins/netflow/decode/decoder.js';
import { parsePcap } from '../../plugins/netflow/pcap-file.js';
import { produce } from '../../plugins/netflow/producer.js';
import { createNetflowSource } from '../../plugins/netflow/source.js';
import { runReport } from '../../src/reports/run.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { countDocs, quietLogger, testClient, testConfig } from '../support/es.js';
import { writeMmdb } from '../support/mmdb-writer.js';
import { LAB_FLOWS } from '../support/netflow/fixtures.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const client = testClient();
afterAll(async () => {
  await client.close();
});
const GEO = {
  continent_code: 'EU',
  continent_name: 'Europe',
  country_iso_code: 'GB',
  country_name: 'United Kingdom',
  city_name: 'London',
  location: { lat: 51.5142, lon: -0.0931 },
};
const AS = { number: 64_496, organization: { name: 'Example Transit' } };

type Doc = Record<string, Record<string, unknown>>;

describeNeeding(fixturesMissing())('NetFlow flows collected with GeoIP and ASN enrichment', () => {
  const work = mkdtempSync(join(tmpdir(), 'flowtrail-enrich-'));
  const city = join(work, 'city.mmdb');
  const asn = join(work, 'asn.mmdb');
  writeFileSync(
    city,
    writeMmdb('GeoLite2-City', {
      '203.0.113.0/24': {
        continent: { code: 'EU', names: { en: 'Europe' } },
        country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
        city: { names: { en: 'London' } },
        location: { latitude: 51.5142, longitude: -0.0931 },
      },
    }),
  );
  writeFileSync(
    asn,
    writeMmdb('GeoLite2-ASN', {
      '203.0.113.0/24': {
        autonomous_system_number: 64_496,
        autonomous_system_organization: 'Example Transit',
      },
    }),
  );
  const config = testConfig({ local_networks: ['10.77.0.0/24'], enrichment: { geoip: { city, asn } } });
  const index = searchPattern('flowtrail.flows', config.elasticsearch.namespace);
  const datagrams = parsePcap(readFileSync(join(LAB_FLOWS, 'softflowd-v9.pcap'))).datagrams.map(
    (d) => d.payload,
  );
  const decoder = new NetflowDecoder();
  const expected = datagrams.reduce(
    (n, d) => n + produce(decoder.decode(d, '127.0.0.1', 1).records).flows.length,
    0,
  );

  beforeAll(async () => {
    await setupElasticsearch(client, {
      retentionMs: { flows: 30 * 86_400_000, alerts: 365 * 86_400_000, events: 30 * 86_400_000 },
      version: 'test',
    });
    const { pipeline } = createRuntime(config, client, quietLogger);
    let port = 0;
    let running: Promise<void> = Promise.resolve();
    const listening = new Promise<void>((resolve) => {
      const source = createNetflowSource(
        {
          host: '127.0.0.1',
          port: 0,
          enrichment: config.enrichment,
          onListening: (address) => {
            port = address.port;
            resolve();
          },
        },
        { localNetworks: new LocalNetworks(config.local_networks) },
      );
      running = pipeline.run([source]);
    });
    try {
      await listening;
      const socket = createSocket('udp4');
      for (const datagram of datagrams) {
        await new Promise<void>((resolve, reject) =>
          socket.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
        );
      }
      socket.close();
      const deadline = Date.now() + 60_000;
      while ((await countDocs(client, index).catch(() => 0)) < expected && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      pipeline.stop();
      await running;
    }
    await client.indices.refresh({ index });
  }, 120_000);

  async function search(query: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const { body } = await client.search({ index, body: { size: 1, query, ...extra } });
    return body as {
      hits: { total: { value: number } | number; hits: Array<{ _source: Doc }> };
      aggregations?: Record<string, { buckets?: Array<{ key: unknown }>; bounds?: unknown }>;
    };
  }

  it('every flow was written', async () => {
    expect(expected).toBeGreaterThan(100);
    expect(await countDocs(client, index)).toBe(expected);
  });

  it('flows to a known address carry its country, city, location and AS, on destination and server', async () => {
    const { hits } = await search({ term: { 'destination.ip': '203.0.113.66' } });
    const doc = hits.hits[0]._source;
    expect(doc.destination.geo).toEqual(GEO);
    expect(doc.destination.as).toEqual(AS);
    const server = doc.server.ip === '203.0.113.66' ? doc.server : doc.client;
    expect(server.geo).toEqual(GEO);
    // The lab's own addresses and the documentation range the databases do not hold get nothing.
    expect(doc.source.ip).toMatch(/^10\.77\./);
    expect(doc.source.geo).toBeUndefined();
    expect(doc.source.as).toBeUndefined();
  });

  it('the location is a geo_point, and flows group by country and AS', async () => {
    const { body } = await client.indices.getMapping({ index });
    const mappings = Object.values(body as Record<string, { mappings: { properties: Doc } }>);
    for (const { mappings: m } of mappings) {
      const destination = m.properties.destination as { properties: Record<string, { properties: Doc }> };
      expect(destination.properties.geo.properties.location).toEqual({ type: 'geo_point' });
    }
    const result = await search(
      { match_all: {} },
      {
        aggs: {
          countries: { terms: { field: 'destination.geo.country_iso_code' } },
          ases: { terms: { field: 'destination.as.number' } },
          bounds: { geo_bounds: { field: 'destination.geo.location' } },
        },
      },
    );
    expect(result.aggregations?.countries.buckets?.map((b) => b.key)).toEqual(['GB']);
    expect(result.aggregations?.ases.buckets?.map((b) => b.key)).toEqual([64_496]);
    expect(result.aggregations?.bounds.bounds).toBeDefined();
    const unlocated = await search({
      bool: { must_not: [{ exists: { field: 'destination.geo.location' } }] },
    });
    const total = unlocated.hits.total;
    expect(typeof total === 'number' ? total : total.value).toBeGreaterThan(0);
  });

  it('report top-as and top-countries group the traffic by the enrichment, as the flows add up', async () => {
    const sum = async (field: string) => {
      const { body } = await client.search({
        index,
        body: {
          size: 0,
          query: { term: { [field]: '203.0.113.0/24' } },
          aggs: { bytes: { sum: { field: 'network.bytes' } } },
        },
      });
      const result = body as {
        hits: { total: { value: number } | number };
        aggregations: { bytes: { value: number } };
      };
      const total = result.hits.total;
      return {
        bytes: result.aggregations.bytes.value,
        flows: typeof total === 'number' ? total : total.value,
      };
    };
    const from = await sum('source.ip');
    const to = await sum('destination.ip');
    expect(from.flows + to.flows).toBeGreaterThan(0);
    const store = elasticsearchStore(client);
    const range = { from: 0, to: Date.now() + 86_400_000 };
    const [as] = (await runReport(store, config, 'top-as', range)).rows;
    expect(as).toMatchObject({
      as: 64_496,
      organization: 'Example Transit',
      bytes: from.bytes + to.bytes,
      from: from.bytes,
      to: to.bytes,
      flows: from.flows + to.flows,
    });
    const countries = (await runReport(store, config, 'top-countries', range)).rows;
    expect(countries).toHaveLength(1);
    expect(countries[0]).toMatchObject({
      country: 'GB',
      name: 'United Kingdom',
      bytes: from.bytes + to.bytes,
    });
  });
});

describe('Suricata events ingested with enrichment', () => {
  it('carry geo and AS, network.application from app_proto, and the parts of the TLS server name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-enrich-eve-'));
    const city = join(dir, 'city.mmdb');
    const asn = join(dir, 'asn.mmdb');
    writeFileSync(
      city,
      writeMmdb('GeoLite2-City', {
        '198.51.100.0/24': {
          country: { iso_code: 'JP', names: { en: 'Japan' } },
          location: { latitude: 35.69, longitude: 139.69 },
        },
      }),
    );
    writeFileSync(
      asn,
      writeMmdb('GeoLite2-ASN', {
        '198.51.100.0/24': {
          autonomous_system_number: 64_511,
          autonomous_system_organization: 'Example Japan',
        },
      }),
    );
    const eve = join(dir, 'eve.json');
    const common = {
      flow_id: 1_234_567,
      in_iface: 'eth0',
      src_ip: '10.0.0.5',
      src_port: 51_000,
      dest_ip: '198.51.100.20',
      dest_port: 443,
      proto: 'TCP',
      app_proto: 'tls',
    };
    writeFileSync(
      eve,
      `${[
        {
          timestamp: '2026-12-01T10:00:00.000000+0000',
          event_type: 'tls',
          ...common,
          tls: { sni: 'www.example.co.uk', version: 'TLS 1.3' },
        },
        {
          timestamp: '2026-12-01T10:00:05.000000+0000',
          event_type: 'flow',
          ...common,
          flow: {
            pkts_toserver: 10,
            pkts_toclient: 12,
            bytes_toserver: 1000,
            bytes_toclient: 9000,
            start: '2026-12-01T10:00:00.000000+0000',
            end: '2026-12-01T10:00:05.000000+0000',
            state: 'closed',
          },
        },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n')}\n`,
    );
    const namespace = `enrich${Date.now().toString(36)}`;
    const config = join(dir, 'flowtrail.yml');
    writeFileSync(
      config,
      [
        'elasticsearch:',
        `  namespace: ${namespace}`,
        'enrichment:',
        '  geoip:',
        `    city: ${city}`,
        `    asn: ${asn}`,
      ].join('\n'),
    );
    const result = await runCli([
      'ingest',
      'suricata',
      eve,
      '-c',
      config,
      '--data-dir',
      dir,
      '--es',
      inject('esUrl'),
    ]);
    expect(result.code, result.stderr).toBe(0);
    const pattern = searchPattern('flowtrail.*', namespace);
    await client.indices.refresh({ index: pattern });
    const { body } = await client.search({ index: pattern, body: { size: 10, sort: ['@timestamp'] } });
    const docs = (body as { hits: { hits: Array<{ _source: Doc }> } }).hits.hits.map((h) => h._source);
    expect(docs, result.stdout).toHaveLength(2);
    const located = {
      geo: { country_iso_code: 'JP', country_name: 'Japan', location: { lat: 35.69, lon: 139.69 } },
    };
    const as = { as: { number: 64_511, organization: { name: 'Example Japan' } } };
    for (const doc of docs) {
      expect(doc.destination).toMatchObject({ ip: '198.51.100.20', ...located, ...as });
      expect(doc.source.geo).toBeUndefined();
      expect(doc.network.application).toBe('tls');
    }
    const tls = docs.find((d) => d.tls !== undefined) as Doc;
    expect(tls.destination).toMatchObject({
      domain: 'www.example.co.uk',
      registered_domain: 'example.co.uk',
      top_level_domain: 'co.uk',
      subdomain: 'www',
    });
  }, 120_000);
});
