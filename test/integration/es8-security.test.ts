import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { detectCapabilities } from '../../plugins/elasticsearch/capabilities.js';
import { createClient, type EsClient } from '../../plugins/elasticsearch/client.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { ElasticsearchSink } from '../../plugins/elasticsearch/sink.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { testStackDir } from '../setup/stack.js';
import { quietLogger, testConfig } from '../support/es.js';
import { HAS_JAVA21, type JvmNode, startJvmNode } from '../support/es-jvm.js';

const local = new LocalNetworks(['10.0.0.0/8']);
const base = Date.parse('2026-11-21T00:00:00Z');
const retentionMs = { flows: 30 * 86_400_000, alerts: 365 * 86_400_000, events: 30 * 86_400_000 };
const password = randomBytes(12).toString('hex');

function flows(count: number): PipelineRecord[] {
  return Array.from({ length: count }, (_, i) =>
    toFlowRecord(
      {
        module: 'netflow',
        action: 'netflow_flow',
        protocol: 6,
        sourceIp: `10.6.0.${i + 1}`,
        destinationIp: '192.0.2.80',
        sourcePort: 40_000 + i,
        destinationPort: 443,
        bytes: 100 + i,
        packets: 1,
        start: base + i,
        end: base + i + 10,
        identity: `secure:${i}`,
      },
      { localNetworks: local, now: base },
    ),
  );
}

/**
 * A real Elasticsearch 8.19 with security (test/support/es-jvm/es8-security): a superuser in the file realm
 * creates API keys with exactly the privileges the README lists, and flowtrail writes with them.
 */
describe.skipIf(!HAS_JAVA21)('Elasticsearch 8.19 with security', () => {
  let node: JvmNode;
  let admin: EsClient;

  async function apiKey(cluster: string[], indices: string[]): Promise<string> {
    const { body } = await admin.request<{ encoded: string }>({
      method: 'POST',
      path: '/_security/api_key',
      body: {
        name: `flowtrail-test-${indices.join('-')}`,
        role_descriptors: {
          writer: { cluster, indices: [{ names: ['logs-flowtrail.*'], privileges: indices }] },
        },
      },
    });
    return body.encoded;
  }

  async function count(namespace: string): Promise<number> {
    const index = searchPattern('flowtrail.flows', namespace);
    await admin.request({ method: 'POST', path: `/${index}/_refresh`, query: { allow_no_indices: true } });
    const { body } = await admin.request<{ count: number }>({ method: 'POST', path: `/${index}/_count` });
    return body.count;
  }

  beforeAll(async () => {
    const port = Number(new URL(inject('esUrl')).port) + 7;
    node = await startJvmNode(
      {
        folder: 'es8-security',
        mainClass: 'Elasticsearch8SecureNode',
        prefix: 'es8',
        properties: { password },
      },
      testStackDir(`es8-security-${port}`),
      port,
    );
    admin = createClient({ url: node.url, username: 'admin', password }, { env: {} });
  }, 400_000);
  afterAll(async () => {
    await admin?.close();
    await node?.stop();
  });

  it('setup as a superuser checks its privileges and installs the templates', async () => {
    const report = await setupElasticsearch(admin, { retentionMs, version: 'test' });
    expect(report.cluster).toMatchObject({
      version: '8.19.0',
      indexMode: 'data_stream',
      retentionMode: 'lifecycle',
    });
    expect(report.privileges).toEqual({ checked: true });
    expect(report.changes.some((c) => c.change === 'created')).toBe(true);
  });

  it('refused credentials are said as such (401), not as an outage', async () => {
    const wrong = createClient(
      { url: node.url, username: 'admin', password: 'not-the-password' },
      { env: {} },
    );
    await expect(detectCapabilities(wrong)).rejects.toThrow(/refused the credentials .*\(401\).*api_key/);
    await wrong.close();
  });

  it('a least-privilege API key (monitor; create_doc, auto_configure, read) writes', async () => {
    const writer = createClient(
      { url: node.url, apiKey: await apiKey(['monitor'], ['create_doc', 'auto_configure', 'read']) },
      { env: {} },
    );
    const config = testConfig({ elasticsearch: { url: node.url } });
    const { pipeline } = createRuntime(config, writer, quietLogger);
    await pipeline.start();
    await pipeline.emit('test', flows(50));
    await pipeline.finish();
    expect(await count(config.elasticsearch.namespace)).toBe(50);
    await writer.close();
  });

  it('the same key running setup is told which privilege it lacks', async () => {
    const writer = createClient(
      { url: node.url, apiKey: await apiKey(['monitor'], ['create_doc', 'auto_configure', 'read']) },
      { env: {} },
    );
    await expect(setupElasticsearch(writer, { retentionMs, version: 'test' })).rejects.toThrow(
      /lacks cluster privilege `manage_index_templates`, needed for `flowtrail setup`/,
    );
    await writer.close();
  });

  it('a key without create_doc stops at the start with one error naming it', async () => {
    const reader = createClient(
      { url: node.url, apiKey: await apiKey(['monitor'], ['auto_configure', 'read']) },
      { env: {} },
    );
    const config = testConfig({ elasticsearch: { url: node.url } });
    const { pipeline } = createRuntime(config, reader, quietLogger);
    await expect(pipeline.start()).rejects.toThrow(
      /lacks index privilege `create_doc` on logs-flowtrail\.\*/,
    );
    await reader.close();
  });

  it('a 403 on a bulk write is a configuration error naming what grants it, never an outage to retry', async () => {
    const reader = createClient(
      { url: node.url, apiKey: await apiKey(['monitor'], ['auto_configure', 'read']) },
      { env: {} },
    );
    const config = testConfig({ elasticsearch: { url: node.url } });
    // A writer that learned the server before the key lost its privilege: the refusal comes from the bulk itself,
    // and the pipeline stops on it (src/pipeline/replay.test.ts) instead of retrying.
    const sink = new ElasticsearchSink(reader, config.elasticsearch.namespace, 'data_stream');
    const batch = flows(5).map((record) => ({ record, json: JSON.stringify(record.doc) }));
    const refusal = await sink.write(batch).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refusal?.name).toBe('ConfigError');
    expect(refusal?.message).toMatch(/denied a bulk write \(403\).*create_doc/);
    expect(await count(config.elasticsearch.namespace)).toBe(0);
    await reader.close();
  });
});
