import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { detectCapabilities } from '../../plugins/elasticsearch/capabilities.js';
import { createClient } from '../../plugins/elasticsearch/client.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { ElasticsearchSink } from '../../plugins/elasticsearch/sink.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { dataStreamName } from '../../src/store/naming.js';
import { testStackDir } from '../setup/stack.js';
import { clientFor, countDocs, quietLogger, type TestClient, testConfig } from '../support/es.js';
import { HAS_JAVA21, type JvmNode, startJvmNode } from '../support/es-jvm.js';

const local = new LocalNetworks(['10.0.0.0/8']);
const base = Date.parse('2026-11-21T00:00:00Z');
const retentionMs = { flows: 30 * 86_400_000, alerts: 365 * 86_400_000, events: 30 * 86_400_000 };

function flows(from: number, count: number): PipelineRecord[] {
  return Array.from({ length: count }, (_, k) =>
    toFlowRecord(
      {
        module: 'netflow',
        action: 'netflow_flow',
        protocol: 17,
        sourceIp: `10.7.${((from + k) >> 8) & 255}.${(from + k) & 255}`,
        destinationIp: '192.0.2.53',
        sourcePort: 1024 + ((from + k) % 60_000),
        destinationPort: 53,
        bytes: from + k,
        packets: 1,
        start: base + from + k,
        end: base + from + k + 10,
        identity: `es9:${from + k}`,
      },
      { localNetworks: local, now: base },
    ),
  );
}

/**
 * Elasticsearch 9 as far as Maven Central has it (test/support/es-jvm/es9): the server and its HTTP layer, without
 * security, the data-streams module (so no _data_stream API and no lifecycle runs) and rest-root (GET / is answered
 * by a plugin of ours with the server's own build).
 */
describe.skipIf(!HAS_JAVA21)('Elasticsearch 9.0 (in a JVM of its own)', () => {
  let node: JvmNode;
  let client: TestClient;

  beforeAll(async () => {
    const port = Number(new URL(inject('esUrl')).port) + 5;
    node = await startJvmNode(
      { folder: 'es9', mainClass: 'Elasticsearch9Node', prefix: 'es9' },
      testStackDir(`es9-${port}`),
      port,
    );
    client = clientFor(node.url);
  }, 300_000);
  afterAll(async () => {
    await client?.close();
    await node?.stop();
  });

  it('is read as Elasticsearch 9 with data streams and lifecycle retention', async () => {
    expect(await detectCapabilities(client)).toMatchObject({
      distribution: 'elasticsearch',
      version: '9.0.0',
      indexMode: 'data_stream',
      retentionMode: 'lifecycle',
    });
  });

  it("refuses the 7.x compatibility media type of the 7.17 client, and takes flowtrail's", async () => {
    const compat = 'application/vnd.elasticsearch+json; compatible-with=7';
    const refused = await fetch(`${node.url}/_cluster/health`, {
      headers: { accept: compat, 'content-type': compat },
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/compatible-with=7|Version/i);
    expect((await client.cluster.health()).statusCode).toBe(200);
  });

  it('takes the templates with their lifecycle, and says privileges were not checked (no security)', async () => {
    const report = await setupElasticsearch(client, { retentionMs, version: 'test' });
    expect(report.changes.filter((c) => c.change === 'created').length).toBeGreaterThan(0);
    expect(report.privileges).toEqual({ checked: false, why: 'security is not enabled on this cluster' });
    const { body } = await client.transport.request({
      method: 'GET',
      path: '/_index_template/logs-flowtrail.flows',
    });
    expect(body.index_templates[0].index_template.template.lifecycle.data_retention).toBe('30d');
  });

  it('writes create-only into a data stream, gzipped, and stores nothing twice across a rollover', async () => {
    const config = testConfig({ elasticsearch: { url: node.url } });
    const namespace = config.elasticsearch.namespace;
    const gzip = createClient({ url: node.url, compression: true });
    const first = createRuntime(config, gzip, quietLogger).pipeline;
    await first.start();
    await first.emit('test', flows(0, 300));
    await first.finish();
    const stream = dataStreamName('flowtrail.flows', namespace);
    expect((await client.indices.rollover({ alias: stream })).body.rolled_over).toBe(true);
    const second = createRuntime(config, gzip, quietLogger).pipeline;
    await second.start();
    await second.emit('test', flows(0, 400));
    await second.finish();
    expect(await countDocs(client, stream)).toBe(400);
    // The final pipeline ran (test/support/es-jvm/IngestCommonStandIn.java stands in for ingest-common) and the
    // stream's fields are mapped as keyword on a node without the constant_keyword mapper.
    const { body: found } = await client.search({
      index: stream,
      size: 1,
      body: { query: { match_all: {} } },
    });
    const stored = (found as { hits: { hits: Array<{ _source: Record<string, Record<string, string>> }> } })
      .hits.hits[0]._source;
    expect(Number.isNaN(Date.parse(stored.event.ingested))).toBe(false);
    expect(stored.data_stream).toEqual({ type: 'logs', dataset: 'flowtrail.flows', namespace });
    const { body: mapping } = await client.transport.request({ method: 'GET', path: `/${stream}/_mapping` });
    const properties = Object.values(
      mapping as Record<string, { mappings: { properties: Record<string, any> } }>,
    )[0].mappings.properties;
    expect(properties.data_stream.properties.dataset.type).toBe('keyword');
    // Without the lookup the same resend is stored twice: the check is what holds.
    await new ElasticsearchSink(gzip, namespace).write(
      flows(0, 10).map((record) => ({ record, json: JSON.stringify(record.doc) })),
    );
    expect(await countDocs(client, stream)).toBe(410);
    await gzip.close();
  });
});
