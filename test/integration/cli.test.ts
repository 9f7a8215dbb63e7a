import { execFileSync, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { searchPattern } from '../../src/store/naming.js';
import { BIN, exited, runCli, startCli } from '../support/cli.js';
import { clientFor, countDocs } from '../support/es.js';
import { netflowV5 } from '../support/netflow/v5.js';

describe('flowtrail community-id', () => {
  it('prints the Community ID like pycommunityid', async () => {
    const result = await runCli(['community-id', 'tcp', '1.2.3.4', '1122', '5.6.7.8', '3344']);
    expect(result).toMatchObject({ code: 0, stdout: '1:wCb3OG7yAFWelaUydu0D+125CLM=\n' });
    const seeded = await runCli([
      'community-id',
      '6',
      '5.6.7.8',
      '3344',
      '1.2.3.4',
      '1122',
      '--seed',
      '1',
      '--json',
    ]);
    expect(JSON.parse(seeded.stdout)).toEqual({ community_id: '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=' });
    const hex = await runCli(['community-id', 'icmp', '1.2.3.4', '8', '5.6.7.8', '0', '--no-base64']);
    expect(hex.stdout.trim()).toBe('1:72ba1d4472f6144b078dbbf752446b7dbb386d9d');
  });

  it('exits 2 with a message naming the bad argument', async () => {
    const badProto = await runCli(['community-id', 'bogus', '1.2.3.4', '1', '5.6.7.8', '2']);
    expect(badProto.code).toBe(2);
    expect(badProto.stderr).toMatch(/proto: unknown protocol "bogus"/);
    const badPort = await runCli(['community-id', 'tcp', '1.2.3.4', '99999', '5.6.7.8', '2']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toMatch(/sport/);
    const missing = await runCli(['community-id', 'tcp']);
    expect(missing.code).toBe(2);
  });
});

describe('bin/flowtrail.js run as a program', () => {
  it('starts node through its #! line, with the heap ceiling that line sets', () => {
    // Other tests start `node bin/flowtrail.js`, which skips the #! line and its flags.
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-bin-'));
    const probe = join(dir, 'heap-limit.cjs');
    writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write('heap_size_limit=' + require('node:v8').getHeapStatistics().heap_size_limit + '\\n'));\n",
    );
    const result = spawnSync(BIN, ['--version'], {
      env: { ...process.env, NODE_OPTIONS: `--require ${probe}` },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const limit = Number(/heap_size_limit=(\d+)/.exec(result.stderr)?.[1]);
    // --max-old-space-size=1024 plus the young generation; without the flag V8 takes about 4 GiB here.
    expect(limit).toBeGreaterThan(1024 * 1024 * 1024);
    expect(limit).toBeLessThan(1100 * 1024 * 1024);
  });
});

describe('flowtrail configuration errors', () => {
  it('exits 2 and names the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-cli-'));
    const file = join(dir, 'bad.yml');
    writeFileSync(file, 'inputs:\n  netflow:\n    port: 99999\n');
    const result = await runCli(['collect', '--config', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/inputs\.netflow\.port/);
  });

  it('exits 2 for an unknown command or option', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['setup', '--bogus'])).code).toBe(2);
  });
});

describe('flowtrail setup', () => {
  it('installs templates idempotently and reports what changed as JSON', async () => {
    const es = inject('esUrl');
    const first = await runCli(['setup', '--es', es, '--json']);
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.cluster.version).toMatch(/^\d+\./);
    const second = JSON.parse((await runCli(['setup', '--es', es, '--json'])).stdout);
    expect(second.changes.every((c: { change: string }) => c.change === 'unchanged')).toBe(true);
  });
});

function javaProcessesUnder(dir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(dir) && !line.includes('ps -eo'));
}

describe('flowtrail up on a fresh data directory', () => {
  it('provisions Elasticsearch, reaches "collecting", writes NetFlow, and stack down leaves no process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flowtrail-up-'));
    const netflowPort = 20_000 + Math.floor(Math.random() * 20_000);
    const config = join(dataDir, 'flowtrail.yml');
    writeFileSync(
      config,
      [
        'stack:',
        '  elasticsearch_port: 19650',
        'metrics:',
        '  port: 0',
        'api:',
        '  port: 0',
        'elasticsearch:',
        '  bulk: { flush_interval: 100ms }',
        'local_networks: [10.77.0.0/24]',
      ].join('\n'),
    );
    const env = { FLOWTRAIL_ES_URL: '' };
    const { child, output } = await startCli(
      ['up', '--config', config, '--data-dir', dataDir, '--netflow', `127.0.0.1:${netflowPort}`],
      /"msg":"collecting"/,
      env,
    );
    try {
      expect(output()).toMatch(/"netflow":"udp 127\.0\.0\.1:\d+"/);
      const socket = createSocket('udp4');
      await new Promise<void>((resolve, reject) =>
        socket.send(netflowV5(Date.now()), netflowPort, '127.0.0.1', (err) =>
          err ? reject(err) : resolve(),
        ),
      );
      socket.close();
      const status = JSON.parse(
        (await runCli(['stack', 'status', '--json', '--data-dir', dataDir], env)).stdout,
      );
      expect(status.elasticsearch.status).toBe('up');
      const es = clientFor(status.elasticsearch.url);
      let count = 0;
      for (let attempt = 0; attempt < 50 && count === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        count = await countDocs(es, searchPattern('flowtrail.flows', 'default')).catch(() => 0);
      }
      expect(count).toBe(1);
      const { body } = await es.search({ index: searchPattern('flowtrail.flows', 'default') });
      const doc = (body as any).hits.hits[0]._source;
      expect(doc.source).toMatchObject({
        ip: '10.77.0.5',
        port: 51515,
        bytes: 3456,
        packets: 12,
        locality: 'internal',
      });
      expect(doc.network).toMatchObject({ transport: 'tcp', direction: 'outbound' });
      await es.close();

      const metricsUrl = output().match(/"metrics":"(http:[^"]+)"/)?.[1];
      expect(metricsUrl).toBeDefined();
      const metrics = await (await fetch(metricsUrl as string)).text();
      expect(metrics).toMatch(/flowtrail_records_out_total\{plugin="elasticsearch"\} 1\b/);
      expect(metrics).toMatch(/flowtrail_bulk_duration_seconds_count\{plugin="elasticsearch"\} [1-9]/);
      expect(metrics).toMatch(/flowtrail_queue_depth 0/);
      expect(metrics).toMatch(/flowtrail_netflow_records_total\{exporter="127\.0\.0\.1:\d+"\} 1\b/);

      // The console beside the collector, where `up` said it is.
      const consoleUrl = output().match(/console: (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1];
      expect(consoleUrl).toBeDefined();
      const page = await fetch(consoleUrl as string);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<script type="module" src="/assets/console.js"></script>');
      expect(metrics).toMatch(/flowtrail_netflow_kernel_drops_total 0/);
      const health = await fetch((metricsUrl as string).replace('/metrics', '/healthz'));
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', queued: 0 });
    } finally {
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
      const down = await runCli(['stack', 'down', '--json', '--data-dir', dataDir], env);
      expect(down.code).toBe(0);
    }
    expect(javaProcessesUnder(dataDir)).toEqual([]);
  });
});
