import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { searchPattern } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { countDocs, type TestClient, testClient } from '../support/es.js';
import { FIXTURES } from '../support/fixtures.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

interface Summary {
  kind: string;
  files: number;
  read: number;
  written: number;
  failed: number;
  dead_lettered: number;
  dead_letter_dir: string;
}

describeNeeding(fixturesMissing())('flowtrail ingest zeek|suricata|snort', () => {
  let es: TestClient;
  const root = mkdtempSync(join(tmpdir(), 'flowtrail-logs-ingest-'));

  beforeAll(async () => {
    es = testClient();
    expect((await runCli(['setup', '--es', inject('esUrl')])).code).toBe(0);
  });
  afterAll(() => es.close());

  /** Runs one ingest into a namespace of its own; returns its summary and that namespace. */
  async function ingest(kind: string, files: string[], extra: string[] = []) {
    const namespace = `ing${kind}${Date.now().toString(36)}`;
    const dataDir = mkdtempSync(join(root, `${kind}-`));
    const config = join(dataDir, 'flowtrail.yml');
    writeFileSync(config, `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace} }\n`);
    const result = await runCli([
      'ingest',
      kind,
      ...files,
      '--config',
      config,
      '--data-dir',
      dataDir,
      '--json',
      ...extra,
    ]);
    return { result, summary: JSON.parse(result.stdout) as Summary, namespace };
  }

  async function docs(dataset: string, namespace: string): Promise<Array<Record<string, any>>> {
    const index = searchPattern(dataset, namespace);
    await es.indices.refresh({ index });
    const { body } = await es.search({ index, size: 1000 });
    return body.hits.hits.map((h: { _source: Record<string, any> }) => h._source);
  }

  it('reads Zeek conn logs, plain and gzip, into flows keyed by uid', async () => {
    const gz = join(root, 'connection-json.log.gz');
    writeFileSync(
      gz,
      gzipSync(readFileSync(join(FIXTURES, 'ids/zeek-beats/connection/connection-json.log'))),
    );
    const plain = join(FIXTURES, 'ids/zeek-integrations/test-conn.log');
    const { result, summary, namespace } = await ingest('zeek', [plain, gz]);
    expect(result.code).toBe(0);
    expect(summary).toMatchObject({ kind: 'zeek', files: 2, read: 24, failed: 0, dead_lettered: 0 });
    // A record read twice is one document: the Splunk-wrapped line of test-conn.log repeats its line 3, and one
    // record is in both files. Five uids are in both files with other values, and stay apart.
    const flows = await docs('flowtrail.flows', namespace);
    expect(flows).toHaveLength(22);
    expect(new Set(flows.map((d) => d.flow.id)).size).toBe(18);
    for (const d of flows) {
      expect(d).toMatchObject({ event: { module: 'zeek', dataset: 'flowtrail.flows' } });
      expect(d.network.community_id).toMatch(/^1:/);
    }
  });

  it('reads Suricata EVE into alerts, flows and protocol events', async () => {
    const file = join(FIXTURES, 'ids/suricata-integrations/test-eve-small.log');
    const { result, summary, namespace } = await ingest('suricata', [file]);
    expect(result.code).toBe(0);
    expect(summary).toMatchObject({ files: 1, read: 13, written: 13, failed: 0 });
    const alerts = await docs('flowtrail.alerts', namespace);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ event: { module: 'suricata' }, rule: { id: expect.any(String) } });
    expect(await docs('flowtrail.flows', namespace)).toHaveLength(1);
  });

  it('reads Snort alert_fast in the configured zone', async () => {
    const file = join(FIXTURES, 'ids/snort/test-log-fast.log');
    const { result, summary, namespace } = await ingest('snort', [file], ['--timezone', 'America/Chicago']);
    expect(result.code).toBe(0);
    expect(summary).toMatchObject({ read: 10, written: 10, failed: 0 });
    const alerts = await docs('flowtrail.alerts', namespace);
    expect(alerts).toHaveLength(10);
    expect(alerts.every((d) => d.event.module === 'snort' && d.rule.id !== undefined)).toBe(true);
  });

  it('dead-letters bad lines with file:line, writes the rest and exits 1', async () => {
    const lines = readFileSync(join(FIXTURES, 'lab/suricata-eve.json'), 'utf8').trimEnd().split('\n');
    const file = join(root, 'broken-eve.json');
    writeFileSync(file, [lines[0], '{"not": "eve"', lines[1], 'garbage', lines[2], ''].join('\n'));
    const { result, summary, namespace } = await ingest('suricata', [file]);
    expect(result.code).toBe(1);
    expect(summary).toMatchObject({ read: 3, written: 3, failed: 2, dead_lettered: 2 });
    const dead = readFileSync(join(summary.dead_letter_dir, 'suricata.ndjson'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(dead.map((d) => d.origin)).toEqual([`${file}:2`, `${file}:4`]);
    expect(dead[1]).toMatchObject({
      plugin: 'suricata',
      raw: 'garbage',
      reason: expect.stringMatching(/eve/),
    });
    const stored =
      (await countDocs(es, searchPattern('flowtrail.alerts', namespace)).catch(() => 0)) +
      (await countDocs(es, searchPattern('flowtrail.flows', namespace)).catch(() => 0)) +
      (await countDocs(es, `logs-flowtrail.suricata_*-${namespace}*`).catch(() => 0));
    expect(stored).toBe(3);
  });

  it('reads a directory as collect does, refuses a capture given as a Zeek log once, and stores TSV and JSON copies once', async () => {
    const dir = join(root, 'zeek-dir');
    mkdirSync(dir);
    copyFileSync(join(FIXTURES, 'zeek/zed-sample-data/zeek-default/ssh.log'), join(dir, 'ssh.log'));
    writeFileSync(
      join(dir, 'ssh-json.log'),
      readFileSync(join(FIXTURES, 'zeek/zed-sample-data/zeek-json/ssh.json')),
    );
    copyFileSync(join(FIXTURES, 'lab/flows/softflowd-v9.pcap'), join(dir, 'capture.log'));
    writeFileSync(join(dir, 'README.txt'), 'not included');
    const { result, summary, namespace } = await ingest('zeek', [dir]);
    expect(result.code).toBe(1);
    expect(summary).toMatchObject({ files: 3, read: 44, written: 44, failed: 1, dead_lettered: 1 });
    expect(result.stderr).toMatch(
      /capture\.log: not a Zeek log: a packet capture \(pcap\); the file is not read/,
    );
    // 22 records, each in TSV and in JSON: one document each.
    expect(await docs('flowtrail.zeek_ssh', namespace)).toHaveLength(22);
  });
});
