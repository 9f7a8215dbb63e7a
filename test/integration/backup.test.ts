import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { quietLogger, testClient, testConfig } from '../support/es.js';

const DAY = 86_400_000;
const client = testClient();
const local = new LocalNetworks(['10.0.0.0/8']);
const FLOWS = 1500;

/** Flows spread over three days (three daily indices, or one backing index), written as `ingest` writes them. */
async function writeFlows(config: FlowtrailConfig): Promise<void> {
  const now = Date.now();
  const records = Array.from({ length: FLOWS }, (_, i) => {
    const time = now - (i % 3) * DAY - i * 1000;
    return toFlowRecord(
      {
        module: 'netflow',
        action: 'netflow_flow',
        protocol: 6,
        sourceIp: `10.9.${i % 7}.${(i % 250) + 1}`,
        destinationIp: '192.0.2.30',
        sourcePort: 20_000 + i,
        destinationPort: 443,
        bytes: 100 + i,
        packets: 1 + (i % 5),
        start: time,
        end: time + 10,
        identity: `backup:${i}`,
      },
      { localNetworks: local, now: time },
    );
  });
  const { pipeline } = createRuntime(config, client, quietLogger);
  await pipeline.start();
  await pipeline.emit('test', records);
  await pipeline.finish();
}

/** How many documents, and a digest of their sorted ids: the same documents, not just as many. */
async function idsDigest(pattern: string): Promise<{ count: number; sha256: string }> {
  await client.indices.refresh({ index: pattern });
  const { body } = await client.search({
    index: pattern,
    body: { size: 10_000, _source: false, query: { match_all: {} } },
  });
  const ids = (body.hits.hits as Array<{ _id: string }>).map((h) => h._id).sort();
  return { count: ids.length, sha256: createHash('sha256').update(ids.join('\n')).digest('hex') };
}

describe('flowtrail backup', () => {
  let config: FlowtrailConfig;
  let configFile: string;
  let dataDir: string;
  let pattern: string;
  const cli = async (...args: string[]) => {
    const result = await runCli([...args, '--config', configFile, '--json'], {}, 300_000);
    expect(result.code, result.stderr).toBe(0);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-backup-'));
    config = testConfig();
    await setupElasticsearch(client, { retentionMs: config.elasticsearch.retention, version: 'test' });
    const namespace = config.elasticsearch.namespace;
    dataDir = config.stack.data_dir as string;
    pattern = searchPattern('flowtrail.flows', namespace);
    configFile = join(dir, 'flowtrail.yml');
    // A repository of this test's own, registered by flowtrail below the test node's path.repo.
    writeFileSync(
      configFile,
      [
        `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace} }`,
        `stack: { data_dir: "${dataDir}" }`,
        `backup: { repository: "repo-${namespace}", location: "repo-${namespace}", keep: 2 }`,
        '',
      ].join('\n'),
    );
    await writeFlows(config);
  });
  afterAll(() => client.close());

  it('restores every document after the indices are deleted (count and digest of ids), and the collector state', async () => {
    const before = await idsDigest(pattern);
    expect(before.count).toBe(FLOWS);
    mkdirSync(join(dataDir, 'inputs'), { recursive: true });
    const positions = JSON.stringify({ '/var/log/zeek/conn.log': { offset: 123_456, inode: 42 } });
    writeFileSync(join(dataDir, 'inputs', 'zeek.positions.json'), positions);

    const created = await cli('backup', 'create');
    expect(created.state).toBe('SUCCESS');
    expect(created.repository_registered).toBe(true);
    expect(created.state_files).toEqual(['inputs/zeek.positions.json']);
    expect(created.indices).toBeGreaterThanOrEqual(2);

    const { body: indices } = await client.transport.request({
      method: 'GET',
      path: `/_cat/indices/${pattern},.ds-${pattern}?format=json&expand_wildcards=all`,
    });
    const names = (indices as Array<{ index: string }>).map((i) => i.index);
    expect(names.length).toBeGreaterThan(0);
    // What a lost disk or a wrong DELETE leaves: no flows, no collector state.
    await client.transport.request(
      { method: 'DELETE', path: `/_data_stream/${pattern}` },
      { ignore: [400, 404, 405] },
    );
    await client.transport.request({ method: 'DELETE', path: `/${pattern}` }, { ignore: [404] });
    expect((await idsDigest(pattern)).count).toBe(0);
    rmSync(join(dataDir, 'inputs'), { recursive: true });

    const restored = await cli('backup', 'restore', 'latest', '--state');
    expect(restored.snapshot).toBe(created.name);
    expect(restored.restored.length).toBeGreaterThan(0);
    expect(restored.state_files).toEqual(['inputs/zeek.positions.json']);
    await client.cluster.health({ index: pattern, wait_for_status: 'yellow', timeout: '60s' });
    expect(await idsDigest(pattern)).toEqual(before);
    expect(readFileSync(join(dataDir, 'inputs', 'zeek.positions.json'), 'utf8')).toBe(positions);

    // A second restore finds everything in place and changes nothing.
    const again = await cli('backup', 'restore', created.name);
    expect(again.restored).toEqual([]);
    expect(again.skipped).toEqual(restored.restored);
  });

  it('is incremental, lists oldest first, prunes to backup.keep and deletes on demand', async () => {
    const first = await cli('backup', 'create');
    const second = await cli('backup', 'create', '--prune');
    // Nothing changed in the flows since the first: the second copies none of their files again.
    const { body: status } = await client.transport.request({
      method: 'GET',
      path: `/_snapshot/repo-${config.elasticsearch.namespace}/${second.name}/_status`,
    });
    const perIndex = (status as { snapshots: Array<{ indices: Record<string, { stats: Stats }> }> })
      .snapshots[0].indices;
    const flowIndices = Object.keys(perIndex).filter((index) => index.includes('flowtrail.flows'));
    expect(flowIndices.length).toBeGreaterThan(0);
    for (const index of flowIndices) expect(perIndex[index].stats.incremental.file_count).toBe(0);
    expect(second.pruned.length).toBeGreaterThan(0);

    const listed = (await cli('backup', 'list')) as Array<{ name: string; state: string }>;
    expect(listed.map((b) => b.name)).toEqual([first.name, second.name]);
    expect(await cli('backup', 'delete', first.name)).toEqual({ deleted: first.name });
    expect(((await cli('backup', 'list')) as Array<{ name: string }>).map((b) => b.name)).toEqual([
      second.name,
    ]);
    const missing = await runCli(['backup', 'restore', 'flowtrail-nope', '--config', configFile]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no backup "flowtrail-nope"/);
  });
});

interface Stats {
  incremental: { file_count: number };
}
