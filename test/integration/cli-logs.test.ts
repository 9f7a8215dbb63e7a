import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { exited, runCli, startCli } from '../support/cli.js';
import { netflowV5 } from '../support/netflow/v5.js';

const PRETTY_LINE = /^\d\d:\d\d:\d\d (INFO |WARN |ERROR) \S/;

async function sendV5(port: number): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) =>
    socket.send(netflowV5(Date.now()), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  );
  socket.close();
}

describe('logs a person can read', () => {
  beforeAll(async () => {
    expect((await runCli(['setup', '--es', inject('esUrl')])).code).toBe(0);
  });

  it('collect, pretty: human lines, and a summary of what came in and was written since the last one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-logs-'));
    const config = join(dir, 'flowtrail.yml');
    writeFileSync(
      config,
      [
        'metrics:',
        '  port: 0',
        '  summary_interval: 1s',
        'elasticsearch:',
        '  namespace: logs',
        '  bulk: { flush_interval: 100ms }',
      ].join('\n'),
    );
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const { child, output } = await startCli(
      ['collect', '-c', config, '--data-dir', dir, '--es', inject('esUrl'), '--netflow', `127.0.0.1:${port}`],
      / INFO {2}collecting /,
      { FLOWTRAIL_LOG_FORMAT: 'pretty' },
    );
    try {
      await sendV5(port);
      for (let i = 0; i < 100 && !/wrote 1\b/.test(output()); i++)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    }
    const lines = output().trim().split('\n');
    expect(lines.filter((l) => !PRETTY_LINE.test(l))).toEqual([]);
    expect(lines.some((l) => l.includes(' INFO  collecting  netflow="udp 127.0.0.1:'))).toBe(true);
    // The datagram and its write may fall into two summaries.
    expect(output()).toMatch(
      / INFO {2}last [12]s: received 1 \(1 netflow\) from 1 NetFlow exporter\(s\), wrote [01] /,
    );
    expect(output()).toMatch(/ INFO {2}last [12]s: .*, wrote 1 /);
  });

  it('up beside a running embedded Elasticsearch says it is running, not that it starts or downloads', async () => {
    const dataDir = inject('stackDataDir');
    if (dataDir === null) return;
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-up-again-'));
    const config = join(dir, 'flowtrail.yml');
    const esPort = new URL(inject('esUrl')).port;
    writeFileSync(
      config,
      [
        `stack:`,
        `  elasticsearch_port: ${esPort}`,
        'metrics:',
        '  port: 0',
        'elasticsearch:',
        '  namespace: upagain',
      ].join('\n'),
    );
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const { child, output } = await startCli(
      ['up', '-c', config, '--data-dir', dataDir, '--netflow', `127.0.0.1:${port}`],
      /"msg":"collecting"/,
      { FLOWTRAIL_ES_URL: '' },
    );
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(output()).toMatch(/"msg":"the embedded Elasticsearch is already running"/);
    expect(output()).not.toMatch(/download|starting the embedded/i);
  });
});
