import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { ElasticsearchSink } from '../../plugins/elasticsearch/sink.js';
import { buildTemplates, INGEST_PIPELINE } from '../../plugins/elasticsearch/templates.js';
import { createPcapIngestSource } from '../../plugins/netflow/ingest-source.js';
import { findingToAlert } from '../../src/detect/alerts.js';
import type { PipelineRecord, Source } from '../../src/pipeline/types.js';
import { emptyHostSummary, summaryRecord } from '../../src/reports/host-summary.js';
import { BASE_FIELDS, type FieldSpec, streamOf } from '../../src/schema/fields.js';
import { logFixtures, netflowFixtures } from '../support/all-fixtures.js';
import { ingestFiles } from '../support/codec.js';
import { clientFor, testConfig } from '../support/es.js';
import { FIXTURES } from '../support/fixtures.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';
import { PRIVATE_NETWORKS, recordingContext } from '../support/source-context.js';

/**
 * The fixtures span 52 days and datasets, so the first batches create dozens of daily indices, each a cluster
 * state update on the one node: longer than the shared test client waits.
 */
const client = clientFor(inject('esUrl'), 300_000);
const retentionMs = { flows: 30 * 86_400_000, alerts: 365 * 86_400_000, events: 30 * 86_400_000 };
/** The clock the log codecs read (Snort infers its missing year from it); event.ingested must come after it. */
const NOW = Date.now();

/** The tools' own namespaces, which the templates map by their dynamic templates. */
const TOOL_NAMESPACES = new Set(['zeek', 'suricata', 'snort', 'netflow']);

type MappingNode = { type?: string; ignore_above?: number; properties?: Record<string, MappingNode> };

/** Every mapped leaf of an index mapping, by dotted name. */
function mappedLeaves(properties: Record<string, MappingNode>, prefix = ''): Array<[string, MappingNode]> {
  return Object.entries(properties).flatMap(([name, node]) => {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (node.properties !== undefined) return mappedLeaves(node.properties, path);
    // An object that was only ever empty (`"ja3s": {}`) has no field to map.
    return node.type === 'object' ? [] : [[path, node] as [string, MappingNode]];
  });
}

async function records(source: Source): Promise<PipelineRecord[]> {
  const ctx = recordingContext();
  await source.run(ctx);
  return ctx.records;
}

/** What a template's dynamic templates make of a tool's value: never Elasticsearch's own default for it. */
function dynamicByUs(node: MappingNode): boolean {
  if (node.type === 'keyword') return node.ignore_above === 1024;
  return node.type === 'long' || node.type === 'double' || node.type === 'boolean' || node.type === 'ip';
}

describeNeeding(fixturesMissing())('templates, after every shared fixture is ingested', () => {
  const namespace = testConfig().elasticsearch.namespace;
  const pattern = `logs-*-${namespace}-*`;
  let written = 0;

  beforeAll(async () => {
    await setupElasticsearch(client, { retentionMs, version: 'test' });
    const all: PipelineRecord[] = [];
    for (const fixture of logFixtures()) {
      const source = ingestFiles(fixture.codec, [join(FIXTURES, fixture.file)], {
        localNetworks: PRIVATE_NETWORKS,
        timezone: fixture.timezone,
        now: () => NOW,
      });
      all.push(...(await records(source)));
    }
    const pcaps = netflowFixtures().map((file) => join(FIXTURES, file));
    all.push(...(await records(createPcapIngestSource(pcaps, { localNetworks: PRIVATE_NETWORKS }))));
    const summary = { ...emptyHostSummary('10.0.0.5', Date.UTC(2026, 0, 1)), bytes_out_external: 10 };
    all.push(summaryRecord(summary, 300_000, NOW));
    all.push(
      findingToAlert(
        {
          type: 'port_scan',
          direction: 'outgoing',
          source: '10.0.0.5',
          destination: '203.0.113.9',
          time: Date.UTC(2026, 0, 1, 0, 5),
          windowStart: Date.UTC(2026, 0, 1),
          windowEnd: Date.UTC(2026, 0, 1, 0, 5),
          level: 'medium',
          evidence: { flows: 40, failed_share: 0.9, distinct_ports: 40, ports: [22, 23, 80] },
        },
        PRIVATE_NETWORKS,
        NOW,
      ),
    );
    const sink = new ElasticsearchSink(client, namespace);
    await sink.start();
    for (let i = 0; i < all.length; i += 2000) {
      const batch = all.slice(i, i + 2000).map((record) => ({ record, json: JSON.stringify(record.doc) }));
      const outcome = await sink.write(batch);
      expect(outcome.rejected.map((r) => r.reason).slice(0, 3)).toEqual([]);
      expect(outcome.retry).toEqual([]);
    }
    // A record read twice (the same line in two files) is one document.
    written = new Set(all.map((r) => `${r.dataset}/${r.id}`)).size;
    await client.indices.refresh({ index: pattern });
  }, 600_000);
  afterAll(() => client.close());

  it('wrote every dataset flowtrail can write from them', async () => {
    const { body } = await client.search({
      index: pattern,
      size: 0,
      track_total_hits: true,
      body: { aggs: { datasets: { terms: { field: 'event.dataset', size: 100 } } } },
    });
    const datasets = body.aggregations.datasets.buckets.map((b: { key: string }) => b.key).sort();
    expect(datasets).toEqual(
      expect.arrayContaining([
        'flowtrail.alerts',
        'flowtrail.flows',
        'flowtrail.host_summary',
        'flowtrail.suricata_dns',
        'flowtrail.zeek_dns',
        'flowtrail.zeek_weird',
      ]),
    );
    expect(body.hits.total.value).toBe(written);
  });

  it('leaves the single node green', async () => {
    const { body } = await client.cluster.health({
      index: pattern,
      level: 'indices',
      wait_for_status: 'green',
      timeout: '30s',
    });
    expect(body.status).toBe('green');
    expect(Object.keys(body.indices).length).toBeGreaterThan(5);
    for (const [index, health] of Object.entries(
      body.indices as Record<string, { status: string; number_of_replicas: number }>,
    )) {
      expect(health, index).toMatchObject({ status: 'green', number_of_replicas: 0 });
    }
  });

  it('maps no field of theirs dynamically: each is in the field table, or a tool field of the dynamic templates', async () => {
    const { body } = await client.indices.getMapping({ index: pattern });
    const problems: string[] = [];
    for (const [index, { mappings }] of Object.entries(
      body as Record<
        string,
        { mappings: { _meta?: { dataset?: string }; properties: Record<string, MappingNode> } }
      >,
    )) {
      const dataset = index.slice('logs-'.length, index.indexOf(`-${namespace}-`));
      const stream = streamOf(dataset);
      if (stream === undefined || mappings._meta?.dataset !== stream.dataset) {
        problems.push(`${index}: not made from flowtrail's template for ${dataset}`);
        continue;
      }
      const declared: Record<string, FieldSpec> = { ...BASE_FIELDS, ...stream.fields };
      for (const [field, node] of mappedLeaves(mappings.properties)) {
        if (TOOL_NAMESPACES.has(field.split('.')[0])) {
          if (!dynamicByUs(node))
            problems.push(`${index}: ${field} mapped ${JSON.stringify(node)} by default`);
        } else if (declared[field] === undefined) {
          problems.push(`${index}: ${field} is not in the field table`);
        } else if (declared[field].type !== node.type) {
          problems.push(`${index}: ${field} is ${node.type}, the table says ${declared[field].type}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every document ecs.version and event.ingested (set at index time), and alerts and flows a message', async () => {
    const missing = async (query: Record<string, unknown>) => {
      const { body } = await client.count({ index: pattern, body: { query } });
      return body.count as number;
    };
    expect(await missing({ bool: { must_not: { exists: { field: 'event.ingested' } } } })).toBe(0);
    expect(await missing({ bool: { must_not: { exists: { field: 'ecs.version' } } } })).toBe(0);
    const withoutMessage = {
      bool: {
        filter: { terms: { 'event.dataset': ['flowtrail.alerts', 'flowtrail.flows'] } },
        must_not: { exists: { field: 'message' } },
      },
    };
    expect(await missing(withoutMessage)).toBe(0);
    const { body } = await client.search({
      index: pattern,
      size: 1,
      body: { query: { term: { 'event.module': 'netflow' } } },
    });
    expect(body.hits.hits[0]._source.input).toEqual({ type: 'netflow' });
    const ingested = Date.parse(body.hits.hits[0]._source.event.ingested);
    expect(ingested).toBeGreaterThanOrEqual(NOW - 1000);
    expect(ingested).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it("fills data_stream.* from a data stream's name with this node's processors", async () => {
    const pipeline = buildTemplates(
      { retentionMs, retentionMode: 'lifecycle', indexMode: 'data_stream' },
      'test',
    ).ingestPipelines[INGEST_PIPELINE];
    const { body } = await client.ingest.simulate({
      body: {
        pipeline,
        docs: [{ _index: 'logs-flowtrail.zeek_dns-prod', _source: { message: 'x' } }],
      },
    });
    const source = body.docs[0].doc._source;
    expect(source.data_stream).toEqual({ type: 'logs', dataset: 'flowtrail.zeek_dns', namespace: 'prod' });
    expect(Number.isNaN(Date.parse(source.event.ingested))).toBe(false);
  });
});
