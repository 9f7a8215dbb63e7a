import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

// Nothing listens here: a command that got as far as the cluster would fail on it with another message.
const NO_CLUSTER = 'http://127.0.0.1:1';

describe('ports already in use', () => {
  let udp: Socket;
  let tcp: Server;
  let udpPort: number;
  let tcpPort: number;
  let config: string;
  let dataDir: string;

  beforeAll(async () => {
    udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    udpPort = udp.address().port;
    tcp = createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    tcpPort = (tcp.address() as AddressInfo).port;
    dataDir = mkdtempSync(join(tmpdir(), 'flowtrail-ports-'));
    config = join(dataDir, 'flowtrail.yml');
    writeFileSync(config, `metrics:\n  port: ${tcpPort}\napi:\n  port: ${tcpPort}\n`);
  });
  afterAll(() => {
    udp.close();
    tcp.close();
  });

  it('collect names the NetFlow port, its key and that another flowtrail may run, without a stack trace', async () => {
    const result = await runCli(
      [
        'collect',
        '-c',
        config,
        '--data-dir',
        dataDir,
        '--es',
        NO_CLUSTER,
        '--netflow',
        `127.0.0.1:${udpPort}`,
      ],
      { FLOWTRAIL_LOG_FORMAT: 'json' },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `flowtrail: udp/127.0.0.1:${udpPort} (inputs.netflow.port) is already in use: another flowtrail ` +
        '(up, collect or serve) may be running; stop it, or set inputs.netflow.port to another port\n',
    );
  });

  it('collect names the metrics port', async () => {
    const metricsOnly = join(dataDir, 'metrics-only.yml');
    writeFileSync(metricsOnly, `metrics:\n  port: ${tcpPort}\ninputs:\n  netflow:\n    enabled: false\n`);
    const result = await runCli(['collect', '-c', metricsOnly, '--data-dir', dataDir, '--es', NO_CLUSTER]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(`tcp/127.0.0.1:${tcpPort} (metrics.port) is already in use`);
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('up stops before the stack, setup and retention', async () => {
    const result = await runCli(
      ['up', '-c', config, '--data-dir', dataDir, '--netflow', `127.0.0.1:${udpPort}`],
      {
        FLOWTRAIL_ES_URL: NO_CLUSTER,
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(`udp/127.0.0.1:${udpPort} (inputs.netflow.port) is already in use`);
    expect(result.stderr).not.toMatch(/elasticsearch|setup|retention/i);
  });

  it('serve names the API port', async () => {
    const result = await runCli(['serve', '-c', config, '--data-dir', dataDir, '--es', NO_CLUSTER]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(`tcp/127.0.0.1:${tcpPort} (api.port) is already in use`);
    const listen = await runCli([
      'serve',
      '-c',
      config,
      '--data-dir',
      dataDir,
      '--es',
      NO_CLUSTER,
      '--listen',
      `127.0.0.1:${tcpPort}`,
    ]);
    expect(listen.code).toBe(1);
    expect(listen.stderr).toMatch(`tcp/127.0.0.1:${tcpPort} (--listen) is already in use`);
  });
});
