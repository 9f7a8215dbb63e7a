import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { archiveBeforeDelete } from '../../app/wiring/archive.js';
import { createRuntime } from '../../app/wiring/runtime.js';
import type { ClusterCapabilities } from '../../plugins/elasticsearch/capabilities.js';
import { enforceRetention } from '../../plugins/elasticsearch/retention.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { validateConfig } from '../../src/config/load.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { type ReportResult, runReport } from '../../src/reports/run.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { dataStreamName, searchPattern } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { countDocs, quietLogger, testClient, testConfig } from '../support/es.js';

const DAY = 86_400_000;
const client = testClient();
const store = elasticsearchStore(client);
const local = new LocalNetworks(['10.0.0.0/8']);
const REPORTS = ['top-senders', 'top-receivers', 'host-pairs'];

/** 900 flows over the three days before today: local hosts and remote peers both ways, two transports, two observers. */
async function writeFlows(config: FlowtrailConfig, today: number): Promise<void> {
  const records = Array.from({ length: 900 }, (_, i) => {
    const time = today - 3 * DAY + Math.floor((i * 3 * DAY) / 900) + 7_000;
    const outbound = i % 3 !== 0;
    const host = `10.20.${i % 4}.${(i % 11) + 1}`;
    const peer = i % 5 === 0 ? `10.30.0.${(i % 3) + 1}` : `198.51.100.${(i % 9) + 1}`;
    return toFlowRecord(
      {
        module: 'netflow',
        action: 'netflow_flow',
        protocol: i % 4 === 0 ? 17 : 6,
        sourceIp: outbound ? host : peer,
        destinationIp: outbound ? peer : host,
        sourcePort: 30_000 + i,
        destinationPort: i % 4 === 0 ? 53 : 443,
        bytes: 1_000 + ((i * 7919) % 50_000),
        packets: 1 + (i % 40),
        start: time - 5_000,
        end: time,
        identity: `archive:${i}`,
        observerId: i % 7 === 0 ? '192.0.2.2:2055' : '192.0.2.1:2055',
      },
      { localNetworks: local, now: time },
    );
  });
  const { pipeline } = createRuntime(config, client, quietLogger);
  await pipeline.start();
  await pipeline.emit('test', records);
  await pipeline.finish();
}

describe('archive tier: reports over deleted flows answer from the rollups', () => {
  let cluster: ClusterCapabilities;
  let config: FlowtrailConfig;
  const today = Math.floor(Date.now() / DAY) * DAY;
  // Whole days, as the pair rollups are: from the first day of the flows to the end of today.
  const range = { from: today - 3 * DAY, to: today + DAY };
  const before = new Map<string, ReportResult>();

  beforeAll(async () => {
    config = testConfig();
    ({ cluster } = await setupElasticsearch(client, {
      retentionMs: config.elasticsearch.retention,
      version: 'test',
    }));
    await writeFlows(config, today);
    await store.refresh(searchPattern('flowtrail.flows', config.elasticsearch.namespace));
    for (const name of REPORTS)
      before.set(name, await runReport(store, config, name, range, { limit: 50, interval: 'day' }));
  });

  it('rolls the expired flows up before deleting them; the reports match those computed from the raw flows', async (ctx) => {
    if (cluster.retentionMode !== 'flowtrail')
      ctx.skip('the cluster keeps retention itself (ILM or lifecycle)');
    const namespace = config.elasticsearch.namespace;
    const flows = searchPattern('flowtrail.flows', namespace);
    expect(await countDocs(client, flows)).toBe(900);
    for (const name of REPORTS) {
      expect(before.get(name)?.rows.length, name).toBeGreaterThan(5);
      expect(before.get(name)?.notes, name).toBeUndefined();
    }
    if (cluster.indexMode === 'data_stream') {
      // What the daily rollover of a retention pass does once the write index is a day old.
      await client.indices.rollover({ alias: dataStreamName('flowtrail.flows', namespace) });
    }

    // 32 days on: past the flows' 30 days, well inside the archive's 365.
    const later = Date.now() + 32 * DAY;
    const run = await enforceRetention(
      client,
      cluster,
      config.elasticsearch.retention,
      later,
      archiveBeforeDelete(config, client, cluster.indexMode, () => later),
    );
    expect(run.deleted.some((index) => index.includes(`flowtrail.flows-${namespace}`))).toBe(true);
    expect(run.deleted.some((index) => index.includes('archive'))).toBe(false);
    expect(await countDocs(client, flows)).toBe(0);
    const archived = await countDocs(client, searchPattern('flowtrail.archive_hosts', namespace));
    expect(archived).toBeGreaterThan(0);
    // Far fewer documents than flows: one per address, side, hour and split.
    expect(archived).toBeLessThan(2 * 900);

    for (const name of REPORTS) {
      const after = await runReport(store, config, name, range, { limit: 50, interval: 'day' });
      expect(after.rows, name).toEqual(before.get(name)?.rows);
      expect(after.archive_until, name).toBe(new Date(range.to).toISOString());
      expect(after.notes?.[0], name).toMatch(/comes from the archive's rollups/);
    }
    // A report that cannot read the archive says so: in a note (a data stream keeps an empty write index), or
    // in its error where no flow index is left at all (daily indices), rather than that nothing was ever stored.
    const ports = await runReport(store, config, 'ports', range, { limit: 50, interval: 'day' }).then(
      (result) => result.notes?.join(' ') ?? '',
      (err: Error) => err.message,
    );
    expect(ports).toMatch(/ports cannot read the archive/);

    // The CLI prints the same rows, and the note on stderr.
    const file = join(config.stack.data_dir as string, 'flowtrail.yml');
    writeFileSync(file, `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace} }\n`);
    const cli = await runCli([
      'report',
      'top-senders',
      '--from',
      new Date(range.from).toISOString(),
      '--to',
      new Date(range.to).toISOString(),
      '--limit',
      '50',
      '--json',
      '--config',
      file,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).rows).toEqual(before.get('top-senders')?.rows);
    expect(cli.stderr).toMatch(/flowtrail: no flows are stored before .* comes from the archive's rollups/);
  });

  it('with archive.snapshot_before_delete, `archive restore --day` brings a deleted day back as a searchable index', async (ctx) => {
    if (cluster.retentionMode !== 'flowtrail')
      ctx.skip('the cluster keeps retention itself (ILM or lifecycle)');
    const snapshotting = testConfig({ archive: { rollup: false, snapshot_before_delete: true } });
    const namespace = snapshotting.elasticsearch.namespace;
    const repository = `repo-${namespace}`;
    await writeFlows(snapshotting, today);
    const flows = searchPattern('flowtrail.flows', namespace);
    await store.refresh(flows);
    const day = new Date(today - 2 * DAY).toISOString().slice(0, 10);
    const { body: counted } = await client.count({
      index: flows,
      body: { query: { range: { '@timestamp': { gte: `${day}T00:00:00Z`, lt: `${day}T23:59:59.999Z` } } } },
    });
    expect(counted.count).toBeGreaterThan(0);
    if (cluster.indexMode === 'data_stream')
      await client.indices.rollover({ alias: dataStreamName('flowtrail.flows', namespace) });
    const file = join(snapshotting.stack.data_dir as string, 'flowtrail.yml');
    writeFileSync(
      file,
      [
        `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace} }`,
        `backup: { repository: ${repository}, location: ${repository} }`,
        'archive: { rollup: false, snapshot_before_delete: true }',
        '',
      ].join('\n'),
    );
    const later = Date.now() + 32 * DAY;
    const only = validateConfig({
      elasticsearch: { url: inject('esUrl'), namespace },
      backup: { repository, location: repository },
      archive: { rollup: false, snapshot_before_delete: true },
    });
    await enforceRetention(
      client,
      cluster,
      only.elasticsearch.retention,
      later,
      archiveBeforeDelete(only, client, cluster.indexMode, () => later),
    );
    expect(await countDocs(client, flows)).toBe(0);

    const restored = await runCli(['archive', 'restore', '--day', day, '--json', '--config', file]);
    expect(restored.code, restored.stderr).toBe(0);
    const { indices } = JSON.parse(restored.stdout) as { indices: string[] };
    expect(indices.length).toBeGreaterThan(0);
    expect(indices.every((index) => index.startsWith('restored-'))).toBe(true);
    const { body: back } = await client.count({
      index: indices.join(','),
      body: { query: { range: { '@timestamp': { gte: `${day}T00:00:00Z`, lt: `${day}T23:59:59.999Z` } } } },
    });
    expect(back.count).toBe(counted.count);
    await client.indices.delete({ index: indices.join(',') });
  });
});
