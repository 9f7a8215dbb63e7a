/**
 * `inputs.pcap` live: `flowtrail collect` captures the host end of a veth whose other end is in a network namespace
 * of the test's own. The collector is SIGKILLed while new flows keep coming: every flow it had written out before
 * (counted on /metrics just before the kill) must reach Elasticsearch after a restart (from the tap's flow journal),
 * so what is lost is at most the flows its meter held (`flowtrail_pcap_active_flows`). Then the collector run
 * without CAP_NET_RAW must stop at once, naming the interface and the capability.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ringUnavailable } from '../../plugins/tap/ring.js';
import { searchPattern } from '../../src/store/naming.js';
import { BIN, exited, runCli, startCli } from '../support/cli.js';
import { type TestClient, testClient } from '../support/es.js';
import { describeNeeding, firstMissing, namespacesMissing, toolsMissing } from '../support/requirements.js';
import { createVethLink, type VethLink } from '../support/veth.js';

const IDLE_TIMEOUT_S = 2;
const CHURN_PORT = 9998;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the program's output shows `marker` (a server listening). */
function said(child: ChildProcess, marker: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const look = (d: Buffer) => {
      text += d;
      if (marker.test(text)) resolve();
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ${marker}: ${text}`)));
  });
}

/** A UDP service that takes datagrams and says nothing (without one the host would answer with ICMP errors). */
const DISCARD_SERVER = `
const ports = process.argv.slice(2);
let bound = 0;
for (const port of ports)
  require('node:dgram').createSocket('udp4').bind(Number(port), process.argv[1], () => ++bound === ports.length && console.log('ready'));
`;

/** A new UDP flow (a socket of its own, one datagram) every 10 ms until killed. */
const CHURN_SENDER = `
const dgram = require('node:dgram');
setInterval(() => {
  const socket = dgram.createSocket('udp4');
  socket.send(Buffer.alloc(64), ${CHURN_PORT}, process.argv[1], () => socket.close());
}, 10);
`;

/** Counters of one /metrics text: the value of `name` with `interface="<iface>"`, 0 when absent. */
function metric(text: string, name: string, iface: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{interface="${iface}"}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

function unlabelled(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

const missing = firstMissing(namespacesMissing(), toolsMissing('setpriv'), ringUnavailable());

describeNeeding(missing)('flowtrail collect capturing a veth live (inputs.pcap)', () => {
  let es: TestClient;
  let link: VethLink;
  const root = mkdtempSync(join(tmpdir(), 'flowtrail-pcap-live-'));
  const namespace = `pcaplive${Date.now().toString(36)}`;
  const index = searchPattern('flowtrail.flows', namespace);
  const config = join(root, 'flowtrail.yml');
  const hostChildren: ChildProcess[] = [];
  let collector: ChildProcess | undefined;
  let metricsUrl = '';

  function onHost(command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    hostChildren.push(child);
    return child;
  }

  /** Starts the collector; `collector` and `metricsUrl` are then its. */
  async function startCollector(): Promise<ChildProcess> {
    const started = await startCli(['collect', '--config', config], /"collecting"/);
    collector = started.child;
    const url = started.output().match(/"metrics":"(http:[^"]+)"/)?.[1];
    if (url === undefined) throw new Error(`no metrics address in:\n${started.output()}`);
    metricsUrl = url;
    return started.child;
  }

  const scrape = async () => (await fetch(metricsUrl)).text();

  async function count(query: Record<string, unknown>): Promise<number> {
    await es.indices.refresh({ index, ignore_unavailable: true });
    const { body } = await es.count({ index, ignore_unavailable: true, body: { query } });
    return (body as { count: number }).count;
  }

  beforeAll(async () => {
    es = testClient();
    link = await createVethLink();
    writeFileSync(
      config,
      [
        // Written in batches every 3 s: flows the collector wrote out wait in its queue when it is killed.
        `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace}, bulk: { flush_interval: 3s } }`,
        `stack: { data_dir: "${join(root, 'data')}" }`,
        'metrics: { host: 127.0.0.1, port: 0 }',
        'local_networks: [10.233.0.0/16]',
        'detections: { in_collector: false }',
        'inputs:',
        '  netflow: { enabled: false }',
        // Headers are all the meter reads: 128 bytes of each frame are copied (iperf3's frames are 64 kB ones).
        `  pcap: { enabled: true, interfaces: [${link.hostInterface}], snaplen: 128, idle_timeout: ${IDLE_TIMEOUT_S}s, observer: live-test }`,
        '',
      ].join('\n'),
    );
    const setup = await runCli(['setup', '--config', config]);
    expect(setup.code, setup.stderr).toBe(0);
  }, 180_000);

  afterAll(async () => {
    collector?.kill('SIGKILL');
    for (const child of hostChildren) if (child.exitCode === null) child.kill('SIGKILL');
    await link?.cleanup();
    await es?.close();
  });

  it('SIGKILL loses at most the flows the meter held: every flow written out before is written after a restart', async () => {
    const discard = onHost(process.execPath, ['-e', DISCARD_SERVER, link.hostIp, String(CHURN_PORT)]);
    await said(discard, /ready/);
    const killed = collector ?? (await startCollector());
    // Flows written out before the churn, once the meter holds none of them.
    let before = await scrape();
    for (let i = 0; i < 100 && metric(before, 'flowtrail_pcap_active_flows', link.hostInterface) > 0; i++) {
      await sleep(200);
      before = await scrape();
    }
    const earlier = metric(before, 'flowtrail_pcap_flows_total', link.hostInterface);
    const churn = link.spawn(process.execPath, ['-e', CHURN_SENDER, link.hostIp]);
    const churned = { term: { 'destination.port': CHURN_PORT } };
    // Long enough for the first flows to end (idle timeout) and be written out, not all to reach Elasticsearch.
    await sleep((IDLE_TIMEOUT_S + 2) * 1000);
    const metrics = await scrape();
    killed.kill('SIGKILL');
    await exited(killed);
    collector = undefined;
    churn.kill('SIGKILL');
    const churnWrittenOut = metric(metrics, 'flowtrail_pcap_flows_total', link.hostInterface) - earlier;
    const held = metric(metrics, 'flowtrail_pcap_active_flows', link.hostInterface);
    const inStore = await count(churned);
    expect(held).toBeGreaterThan(50);
    expect(churnWrittenOut).toBeGreaterThan(50);

    const restarted = await startCollector();
    const deadline = Date.now() + 60_000;
    while ((await count(churned)) < churnWrittenOut && Date.now() < deadline) await sleep(500);
    const replayed = unlabelled(await scrape(), 'flowtrail_pcap_replayed_flows_total');
    restarted.kill('SIGTERM');
    expect(await exited(restarted)).toBe(0);
    collector = undefined;
    const after = await count(churned);
    console.log(
      `pcap-live SIGKILL: ${churnWrittenOut} churn flows written out before the kill (${inStore} of them in Elasticsearch at the kill), ${held} held by the meter; after the restart ${after} in Elasticsearch, ${replayed} replayed from the journal`,
    );
    // Nothing written out is lost; the loss is at most what the meter held; no flow is written twice.
    expect(after).toBeGreaterThanOrEqual(churnWrittenOut);
    expect(after).toBeLessThanOrEqual(churnWrittenOut + held);
    expect(replayed).toBeGreaterThanOrEqual(churnWrittenOut - inStore);
  }, 240_000);

  it('without CAP_NET_RAW, collect stops at once naming the interface and the capability', async () => {
    const dir = join(root, 'unprivileged');
    mkdirSync(dir, { mode: 0o777 });
    chmodSync(root, 0o755);
    chmodSync(dir, 0o777);
    const file = join(dir, 'flowtrail.yml');
    writeFileSync(
      file,
      [
        `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace} }`,
        `stack: { data_dir: "${join(dir, 'data')}" }`,
        'metrics: { enabled: false }',
        'inputs:',
        '  netflow: { enabled: false }',
        `  pcap: { enabled: true, interfaces: [${link.hostInterface}] }`,
        '',
      ].join('\n'),
    );
    chmodSync(file, 0o644);
    const child = spawn(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--',
        process.execPath,
        BIN,
        'collect',
        '--config',
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: dir } },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await exited(child);
    expect(stderr).toContain(`inputs.pcap: cannot capture on ${link.hostInterface}`);
    expect(stderr).toContain('CAP_NET_RAW');
    expect(stderr).toContain('setcap cap_net_raw');
    expect(code).toBe(2);
  }, 60_000);
});
