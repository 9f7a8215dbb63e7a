import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { createClient } from '../../plugins/elasticsearch/client.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { ElasticsearchSink } from '../../plugins/elasticsearch/sink.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { type FlowFacts, toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { countDocs, quietLogger, testClient, testConfig } from '../support/es.js';

const client = testClient();
const local = new LocalNetworks(['10.77.0.0/24']);
const base = Date.parse('2026-11-21T22:05:34Z');

function flow(i: number, overrides: Partial<FlowFacts> = {}): PipelineRecord {
  return toFlowRecord(
    {
      module: 'netflow',
      action: 'netflow_flow',
      protocol: i % 3 === 0 ? 17 : 6,
      sourceIp: i % 2 === 0 ? `10.77.0.${(i % 200) + 1}` : `198.51.100.${(i % 200) + 1}`,
      destinationIp: i % 2 === 0 ? '203.0.113.80' : '10.77.0.1',
      sourcePort: 40_000 + (i % 20_000),
      destinationPort: i % 3 === 0 ? 53 : 443,
      bytes: 1000 + i,
      packets: 1 + (i % 50),
      start: base + i,
      end: base + i + 500,
      tcpFlags: 0x12,
      observer: { ip: '192.0.2.1' },
      identity: `test:${i}`,
      ...overrides,
    },
    { localNetworks: local, now: base + 60_000 },
  );
}

describe('elasticsearch output', () => {
  beforeAll(async () => {
    const report = await setupElasticsearch(client, {
      retentionMs: { flows: 30 * 86_400_000, alerts: 365 * 86_400_000, events: 30 * 86_400_000 },
      version: 'test',
    });
    expect(report.changes.length).toBeGreaterThan(0);
  });
  afterAll(() => client.close());

  it('setup is idempotent and says nothing changed the second time', async () => {
    const report = await setupElasticsearch(client, {
      retentionMs: { flows: 30 * 86_400_000, alerts: 365 * 86_400_000, events: 30 * 86_400_000 },
      version: 'test',
    });
    expect(report.changes.every((c) => c.change === 'unchanged')).toBe(true);
    expect(report.changes.map((c) => c.name)).toContain('logs-flowtrail.flows');
  });

  it('writes flows that read back with the right types: CIDR term on source.ip, dates as dates', async () => {
    const config = testConfig();
    const { pipeline } = createRuntime(config, client, quietLogger);
    const records = Array.from({ length: 500 }, (_, i) => flow(i));
    await pipeline.start();
    await pipeline.emit('test', records);
    await pipeline.finish();
    const index = searchPattern('flowtrail.flows', config.elasticsearch.namespace);
    expect(await countDocs(client, index)).toBe(500);

    const cidr = await client.search({
      index,
      body: { size: 0, query: { term: { 'source.ip': '10.77.0.0/24' } } },
    });
    expect((cidr.body as any).hits.total.value).toBe(250);

    const range = await client.search({
      index,
      body: {
        size: 0,
        query: {
          range: { '@timestamp': { gte: '2026-11-21T22:05:34.100Z', lt: '2026-11-21T22:05:34.600Z' } },
        },
        aggs: { per_ms: { date_histogram: { field: 'event.start', fixed_interval: '100ms' } } },
      },
    });
    // @timestamp is the flow end (start + 500 ms): i in [-400, 100) ∩ [0, 500) → 100 flows.
    expect((range.body as any).hits.total.value).toBe(100);
    expect((range.body as any).aggregations.per_ms.buckets.length).toBeGreaterThan(0);

    const { body: mapping } = await client.indices.getMapping({ index });
    const properties = (Object.values(mapping as Record<string, any>)[0] as any).mappings.properties;
    expect(properties.source.properties.ip.type).toBe('ip');
    expect(properties['@timestamp'].type).toBe('date');
    expect(properties.event.properties.start.type).toBe('date');
    expect(properties.network.properties.bytes.type).toBe('long');
    expect(properties.network.properties.community_id.type).toBe('keyword');

    const { body: hit } = await client.search({
      index,
      body: { size: 1, query: { term: { 'flow.locality': 'external' } } },
    });
    const doc = (hit as any).hits.hits[0]._source;
    expect(doc.network.community_id).toMatch(/^1:/);
    expect(['inbound', 'outbound']).toContain(doc.network.direction);
  });

  it('a re-sent batch does not duplicate documents (deterministic ids)', async () => {
    const config = testConfig();
    const index = searchPattern('flowtrail.flows', config.elasticsearch.namespace);
    const records = Array.from({ length: 300 }, (_, i) => flow(i));
    for (let round = 0; round < 2; round++) {
      const { pipeline } = createRuntime(config, client, quietLogger);
      await pipeline.start();
      await pipeline.emit('test', records);
      await pipeline.finish();
    }
    expect(await countDocs(client, index)).toBe(300);
  });

  it('a document that conflicts with the mapping goes to the dead-letter file; the others are indexed', async () => {
    const config = testConfig();
    const index = searchPattern('flowtrail.flows', config.elasticsearch.namespace);
    const { pipeline, deadLetter, metrics } = createRuntime(config, client, quietLogger);
    const good = Array.from({ length: 99 }, (_, i) => flow(i));
    const bad = flow(1000);
    (bad.doc.source as Record<string, unknown>).ip = 'not-an-address';
    await pipeline.start();
    await pipeline.emit('test', [...good.slice(0, 50), bad, ...good.slice(50)]);
    await pipeline.finish();
    expect(await countDocs(client, index)).toBe(99);

    const lines = readFileSync(deadLetter.fileFor('elasticsearch'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry.record.id).toBe(bad.id);
    expect(entry.reason).toMatch(/400 mapper_parsing_exception/);
    expect(entry.record.doc.source.ip).toBe('not-an-address');
    const { values } = await metrics.recordsDeadLettered.get();
    expect(values.find((v) => v.labels.plugin === 'elasticsearch')?.value).toBe(1);
  });

  it('the sink turns a connection failure into a retryable error', async () => {
    const unreachable = createClient({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2000 });
    const sink = new ElasticsearchSink(unreachable, 'default');
    await expect(sink.write([{ record: flow(1), json: JSON.stringify(flow(1).doc) }])).rejects.toMatchObject({
      name: 'RetryableError',
    });
    await unreachable.close();
  });
});
