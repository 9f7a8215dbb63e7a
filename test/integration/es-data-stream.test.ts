import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import type { ClusterCapabilities } from '../../plugins/elasticsearch/capabilities.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { ElasticsearchSink } from '../../plugins/elasticsearch/sink.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { dataStreamName, searchPattern } from '../../src/store/naming.js';
import { exited, startCli } from '../support/cli.js';
import { countDocs, quietLogger, testClient, testConfig } from '../support/es.js';

/** The embedded Elasticsearch 7.10 OSS has none; `npm test` runs this file in its OpenSearch pass. */
const NO_DATA_STREAMS = 'needs a server with data streams (npm run test:opensearch)';

const client = testClient();
const local = new LocalNetworks(['10.0.0.0/8']);
const base = Date.parse('2026-11-21T00:00:00Z');
let cluster: ClusterCapabilities;

function flows(from: number, count: number): PipelineRecord[] {
  return Array.from({ length: count }, (_, k) =>
    toFlowRecord(
      {
        module: 'netflow',
        action: 'netflow_flow',
        protocol: 6,
        sourceIp: `10.9.${((from + k) >> 8) & 255}.${(from + k) & 255}`,
        destinationIp: '192.0.2.10',
        sourcePort: 1024 + ((from + k) % 60_000),
        destinationPort: 443,
        bytes: from + k,
        packets: 1,
        start: base + from + k,
        end: base + from + k + 10,
        identity: `ds:${from + k}`,
      },
      { localNetworks: local, now: base },
    ),
  );
}

async function rollover(stream: string): Promise<void> {
  const { body } = await client.indices.rollover({ alias: stream });
  expect(body.rolled_over).toBe(true);
}

/** Documents in the stream's current write index only. */
async function inWriteIndex(stream: string): Promise<number> {
  const { body } = await client.transport.request({ method: 'GET', path: `/_data_stream/${stream}` });
  const indices = body.data_streams[0].indices as Array<{ index_name: string }>;
  return countDocs(client, indices[indices.length - 1].index_name);
}

describe('data-stream mode on a real server', () => {
  beforeAll(async () => {
    ({ cluster } = await setupElasticsearch(client, {
      retentionMs: { flows: 86_400_000, alerts: 86_400_000, events: 86_400_000 },
      version: 'test',
    }));
  });
  afterAll(() => client.close());

  it('a rollover between a write and its replay duplicates nothing', async (ctx) => {
    if (cluster.indexMode !== 'data_stream') ctx.skip(NO_DATA_STREAMS);
    const config = testConfig();
    const stream = dataStreamName('flowtrail.flows', config.elasticsearch.namespace);
    const first = createRuntime(config, client, quietLogger).pipeline;
    await first.start();
    await first.emit('test', flows(0, 500));
    await first.finish();
    await rollover(stream);

    // As after a restart: the source reads the same 500 again, then 200 new ones.
    const second = createRuntime(config, client, quietLogger).pipeline;
    await second.start();
    await second.emit('test', flows(0, 700));
    await second.finish();
    expect(await countDocs(client, stream)).toBe(700);
    expect(await inWriteIndex(stream)).toBe(200);
  });

  it('without the replay check, the same rollover duplicates (what the check prevents)', async (ctx) => {
    if (cluster.indexMode !== 'data_stream') ctx.skip(NO_DATA_STREAMS);
    const config = testConfig();
    const stream = dataStreamName('flowtrail.flows', config.elasticsearch.namespace);
    const sink = new ElasticsearchSink(client, config.elasticsearch.namespace);
    const batch = flows(0, 100).map((record) => ({ record, json: JSON.stringify(record.doc) }));
    await sink.write(batch);
    await sink.write(batch);
    expect(await countDocs(client, stream)).toBe(100);
    await rollover(stream);
    await sink.write(batch);
    expect(await countDocs(client, stream)).toBe(200);
  });

  it('a collector killed with SIGKILL re-reads its log after a rollover and stores every alert once', async (ctx) => {
    if (cluster.indexMode !== 'data_stream') ctx.skip(NO_DATA_STREAMS);
    const root = mkdtempSync(join(tmpdir(), 'flowtrail-ds-kill-'));
    const eveDir = join(root, 'suricata');
    mkdirSync(eveDir);
    const namespace = `dskill${Date.now().toString(36)}`;
    const configFile = join(root, 'flowtrail.yml');
    writeFileSync(
      configFile,
      [
        `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace}, bulk: { flush_interval: 100ms, max_docs: 200 } }`,
        `stack: { data_dir: "${join(root, 'data')}" }`,
        'metrics: { enabled: false }',
        'inputs:',
        '  netflow: { enabled: false }',
        `  suricata: { enabled: true, paths: ["${eveDir}"], poll_interval: 100ms }`,
        '',
      ].join('\n'),
    );
    const eve = join(eveDir, 'eve.json');
    const alerts = (from: number, count: number) =>
      Array.from(
        { length: count },
        (_, k) =>
          `${JSON.stringify({
            timestamp: '2026-11-21T10:00:00.000000+0000',
            flow_id: from + k,
            event_type: 'alert',
            src_ip: '10.2.0.1',
            src_port: 40_000 + ((from + k) % 20_000),
            dest_ip: '192.0.2.8',
            dest_port: 80,
            proto: 'TCP',
            alert: { action: 'allowed', signature_id: 1000, signature: 'replay test', severity: 2 },
          })}\n`,
      ).join('');
    appendFileSync(eve, alerts(0, 1500));
    const stream = dataStreamName('flowtrail.alerts', namespace);
    const count = () => countDocs(client, searchPattern('flowtrail.alerts', namespace)).catch(() => 0);
    const until = async (wanted: number) => {
      const deadline = Date.now() + 60_000;
      while ((await count()) < wanted) {
        if (Date.now() > deadline) throw new Error(`fewer than ${wanted} alerts stored in time`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };

    let child: ChildProcess = (await startCli(['collect', '--config', configFile], /"collecting"/)).child;
    await until(1500);
    child.kill('SIGKILL');
    await exited(child);
    // A crash before the read positions reached the disk: the whole file is read again.
    rmSync(join(root, 'data', 'inputs'), { recursive: true, force: true });
    await rollover(stream);
    appendFileSync(eve, alerts(1500, 300));

    child = (await startCli(['collect', '--config', configFile], /"collecting"/)).child;
    try {
      await until(1800);
      // Time for anything written twice to arrive.
      await new Promise((resolve) => setTimeout(resolve, 2000));
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    expect(await count()).toBe(1800);
    expect(await inWriteIndex(stream)).toBe(300);
  }, 180_000);
});
