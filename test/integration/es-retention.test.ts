import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import type { ClusterCapabilities } from '../../plugins/elasticsearch/capabilities.js';
import { enforceRetention } from '../../plugins/elasticsearch/retention.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { dataStreamName, searchPattern } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { countDocs, quietLogger, testClient, testConfig } from '../support/es.js';

const DAY = 86_400_000;
const retentionMs = { flows: 30 * DAY, alerts: 365 * DAY, events: 30 * DAY };
const client = testClient();
const local = new LocalNetworks(['10.0.0.0/8']);
let cluster: ClusterCapabilities;

/** Flows of the given times, written as `flowtrail ingest` writes them. */
async function write(config: FlowtrailConfig, times: number[], tag: string): Promise<void> {
  const records = times.map((time, i) =>
    toFlowRecord(
      {
        module: 'netflow',
        action: 'netflow_flow',
        protocol: 6,
        sourceIp: `10.8.0.${i + 1}`,
        destinationIp: '192.0.2.20',
        sourcePort: 40_000 + i,
        destinationPort: 443,
        bytes: 100,
        packets: 1,
        start: time,
        end: time + 10,
        identity: `${tag}:${i}`,
      },
      { localNetworks: local, now: time },
    ),
  );
  const { pipeline } = createRuntime(config, client, quietLogger);
  await pipeline.start();
  await pipeline.emit('test', records);
  await pipeline.finish();
}

describe('retention counts from when data is stored', () => {
  beforeAll(async () => {
    ({ cluster } = await setupElasticsearch(client, { retentionMs, version: 'test' }));
  });
  afterAll(() => client.close());

  it('logs of 2018 and of a year ago, imported now, survive the next retention pass', async (ctx) => {
    if (cluster.retentionMode !== 'flowtrail') ctx.skip();
    const config = testConfig();
    const pattern = searchPattern('flowtrail.flows', config.elasticsearch.namespace);
    await write(config, [Date.parse('2018-03-01T12:00:00Z'), Date.now() - 365 * DAY, Date.now()], 'import');
    expect(await countDocs(client, pattern)).toBe(3);
    const run = await enforceRetention(client, cluster, retentionMs);
    expect(run.deleted.filter((index) => index.includes(config.elasticsearch.namespace))).toEqual([]);
    expect(await countDocs(client, pattern)).toBe(3);
  });

  it('data stored for longer than the retention is removed, and only that', async (ctx) => {
    if (cluster.retentionMode !== 'flowtrail') ctx.skip();
    const config = testConfig();
    const namespace = config.elasticsearch.namespace;
    const pattern = searchPattern('flowtrail.flows', namespace);
    const now = Date.now();
    await write(config, [now - 2 * DAY, now - 2 * DAY + 1], 'stored-early');
    if (cluster.indexMode === 'data_stream') {
      // What the daily rollover of the retention pass does once the write index is a day old.
      await client.indices.rollover({ alias: dataStreamName('flowtrail.flows', namespace) });
    }
    await write(config, [now], 'stored-late');
    expect(await countDocs(client, pattern)).toBe(3);
    // The clock of the retention pass moves on 32 days: past the 30 days of flows for what was stored before the
    // rollover, and in daily mode for all of it (an index takes writes for a day after it was created).
    const later = now + 32 * DAY;
    const run = await enforceRetention(client, cluster, retentionMs, later);
    const ours = run.deleted.filter((index) => index.includes(`-${namespace}`));
    expect(ours.length).toBeGreaterThan(0);
    expect(await countDocs(client, pattern)).toBe(cluster.indexMode === 'data_stream' ? 1 : 0);
  });

  it('two passes at once (every indexer runs one) both succeed, and what expired is gone', async (ctx) => {
    if (cluster.retentionMode !== 'flowtrail') ctx.skip();
    const config = testConfig();
    const namespace = config.elasticsearch.namespace;
    const pattern = searchPattern('flowtrail.flows', namespace);
    const now = Date.now();
    await write(config, [now - 2 * DAY, now - 3 * DAY, now - 4 * DAY], 'two-passes');
    if (cluster.indexMode === 'data_stream')
      await client.indices.rollover({ alias: dataStreamName('flowtrail.flows', namespace) });
    await write(config, [now], 'two-passes-late');
    const later = now + 32 * DAY;
    const runs = await Promise.all([
      enforceRetention(client, cluster, retentionMs, later),
      enforceRetention(client, cluster, retentionMs, later),
    ]);
    for (const run of runs)
      expect(run.deleted.filter((index) => index.includes(`-${namespace}`)).length).toBeGreaterThan(0);
    expect(await countDocs(client, pattern)).toBe(cluster.indexMode === 'data_stream' ? 1 : 0);
  });

  it('flowtrail ingest says how much of what it wrote is older than the retention, and until when it is kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-old-import-'));
    const eve = join(dir, 'eve.json');
    const alert = (timestamp: string, id: number) =>
      JSON.stringify({
        timestamp,
        flow_id: id,
        event_type: 'alert',
        src_ip: '10.2.0.1',
        src_port: 40_000 + id,
        dest_ip: '192.0.2.8',
        dest_port: 80,
        proto: 'TCP',
        alert: { action: 'allowed', signature_id: 1000, signature: 'old import', severity: 2 },
      });
    const recent = new Date(Date.now() - DAY).toISOString().replace('Z', '000+0000');
    writeFileSync(
      eve,
      `${[alert('2011-05-01T10:00:00.000000+0000', 1), alert('2012-05-01T10:00:00.000000+0000', 2), alert(recent, 3)].join('\n')}\n`,
    );
    const config = join(dir, 'flowtrail.yml');
    writeFileSync(
      config,
      `elasticsearch: { url: "${inject('esUrl')}", namespace: old${Date.now().toString(36)} }\n`,
    );
    const ingest = (json: string[]) =>
      runCli(['ingest', 'suricata', eve, '--config', config, '--data-dir', dir, ...json]);
    const result = await ingest(['--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.written).toBe(3);
    const keptUntil = new Date(Date.now() + 365 * DAY).toISOString().slice(0, 10);
    expect(summary.older_than_retention).toEqual([
      { kind: 'alerts', documents: 2, retention_days: 365, kept_until: keptUntil },
    ]);
    const text = await ingest([]);
    expect(text.stdout).toMatch(
      /2 alerts document\(s\) are older than their retention \(365 d\); .* kept until at least \d{4}-/,
    );
  });
});
