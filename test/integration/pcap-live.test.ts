/**
 * `inputs.pcap` live: `flowtrail collect` captures the host end of a veth whose other end is in a network namespace
 * of the test's own. First curl, iperf3, nmap and a UDP sender in the namespace talk to servers on the host while
 * tshark captures the same interface: the flows that reach Elasticsearch while the collector still runs (ended by
 * the wall clock's idle timeout, not by a stop) must be tshark's TCP and UDP conversations, packets per direction
 * exactly, and bytes too once told apart as they are: the flows count IP bytes, tshark frame bytes (14 more a
 * packet, the Ethernet header; a veth has no FCS), which tshark prints cut to whole kB or MB above 10,000; a
 * conversation an idle timeout split into flows is their sum. Then the collector is SIGKILLed while new flows keep
 * coming: every flow it had written out before (counted on /metrics just before the kill) must reach Elasticsearch
 * after a restart (from the tap's flow journal), so what is lost is at most the flows its meter held
 * (`flowtrail_pcap_active_flows`). Last, the collector run without CAP_NET_RAW must stop at once, naming the
 * interface and the capability. Every wait on a program is bounded (support/traffic.ts) and names the program.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { ringUnavailable } from '../../plugins/tap/ring.js';
import { searchPattern } from '../../src/store/naming.js';
import { BIN, runCli, startCli } from '../support/cli.js';
import { type TestClient, testClient } from '../support/es.js';
import {
  type FlowSides,
  flowConversationRows,
  tsharkConversationRows,
  tsharkConversations,
} from '../support/flow-references.js';
import {
  describeNeeding,
  firstMissing,
  itNeeding,
  namespacesMissing,
  toolsMissing,
} from '../support/requirements.js';
import { CHURN_SENDER, DISCARD_SERVER, ended, HTTP_SERVER, said, UDP_SENDER } from '../support/traffic.js';
import { createVethLink, type VethLink } from '../support/veth.js';

const ETHERNET_HEADER = 14;
const IDLE_TIMEOUT_S = 2;
const DISCARD_PORT = 9999;
const CHURN_PORT = 9998;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
const trafficMissing = toolsMissing('tshark', 'curl', 'iperf3', 'nmap');

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

  async function search(query: Record<string, unknown>): Promise<Array<Record<string, any>>> {
    await es.indices.refresh({ index, ignore_unavailable: true });
    const { body } = await es.search({ index, size: 10_000, ignore_unavailable: true, body: { query } });
    return body.hits.hits.map((h: { _source: Record<string, any> }) => h._source);
  }

  itNeeding(trafficMissing)(
    'Elasticsearch ends with tshark’s conversations of the veth, packets and frame bytes per direction, while the capture runs',
    async () => {
      const started = Date.now();
      const phases: string[] = [];
      const phase = (name: string) => phases.push(`${name} ${((Date.now() - started) / 1000).toFixed(1)}s`);
      await startCollector();
      phase('collector');
      const pcap = join(root, 'tshark.pcap');
      const tshark = onHost('tshark', ['-n', '-q', '-s', '128', '-i', link.hostInterface, '-w', pcap]);
      await said(tshark, /Capturing on/);
      const servers = [
        onHost(process.execPath, ['-e', HTTP_SERVER, link.hostIp]),
        onHost(process.execPath, ['-e', DISCARD_SERVER, link.hostIp, String(DISCARD_PORT)]),
      ];
      // One test (-1), then it exits. Its "Server listening" goes to a pipe here: without --forceflush it stays in
      // stdio's buffer until iperf3 exits, so a wait for it never ends (what kept this case timing out).
      const iperf = onHost('iperf3', ['-s', '-1', '--forceflush', '-B', link.hostIp]);
      await Promise.all([
        said(servers[0], /ready/),
        said(servers[1], /ready/),
        said(iperf, /Server listening/),
      ]);
      phase('servers');

      for (let i = 0; i < 5; i++)
        await link.exec('curl', ['-sf', '-o', '/dev/null', `http://${link.hostIp}:8080/${i}`], 20_000);
      await link.exec('iperf3', ['-c', link.hostIp, '-t', '2', '-b', '100M'], 30_000);
      expect(await ended(iperf, 15_000)).toBe(0);
      phase('curl+iperf3');
      await link.exec(
        'nmap',
        ['-n', '-Pn', '-sS', '--max-retries', '0', '-p', '20-25,80,443,8080', link.hostIp],
        60_000,
      );
      await link.exec(process.execPath, ['-e', UDP_SENDER, link.hostIp, String(DISCARD_PORT)], 20_000);
      phase('nmap+udp');
      // The last frames (a FIN's ACK) are on the wire well within a second.
      await sleep(1000);
      tshark.kill('SIGINT');
      await ended(tshark, 20_000);
      for (const server of servers) server.kill('SIGTERM');
      await Promise.all(servers.map((server) => ended(server, 10_000)));
      phase('tshark stopped');

      const expected = {
        tcp: tsharkConversationRows(pcap, 'tcp'),
        udp: tsharkConversationRows(pcap, 'udp'),
      };
      // 5 HTTP connections, iperf3's control and data connections, nmap's 9 probes; 20 UDP datagrams.
      expect(expected.tcp.length).toBeGreaterThanOrEqual(5 + 2 + 9);
      expect(tsharkConversations(pcap, 'udp').reduce((n, c) => n + c.frames, 0)).toBe(20);

      // No packet comes after: the flows end on the wall clock's idle timeout while the collector runs on, and are
      // written within a flush interval (3 s).
      const seen = (docs: Array<Record<string, any>>) => ({
        tcp: flowConversationRows(docs as FlowSides[], 'tcp', ETHERNET_HEADER),
        udp: flowConversationRows(docs as FlowSides[], 'udp', ETHERNET_HEADER),
      });
      let docs: Array<Record<string, any>> = [];
      let metrics = '';
      const settled = () =>
        isDeepStrictEqual(seen(docs), expected) &&
        metric(metrics, 'flowtrail_pcap_active_flows', link.hostInterface) === 0 &&
        metric(metrics, 'flowtrail_pcap_flows_total', link.hostInterface) === docs.length;
      const deadline = Date.now() + 30_000;
      do {
        await sleep(1000);
        metrics = await scrape();
        docs = await search({ term: { 'observer.type': 'tap' } });
      } while (!settled() && Date.now() < deadline);
      phase('flows in Elasticsearch');
      expect(collector?.exitCode).toBeNull();
      expect(seen(docs)).toEqual(expected);
      expect(docs[0]).toMatchObject({
        observer: { type: 'tap', name: 'live-test', ingress: { interface: { name: link.hostInterface } } },
        event: { module: 'pcap' },
      });
      expect(docs.filter((d) => d.pcap.end_reason !== 'idle')).toEqual([]);
      // The HTTP connections are complete (SF), nmap's probe of a closed port refused (REJ).
      const http = docs.filter(
        (d) => d.destination.port === 8080 && d.source.bytes > 0 && d.destination.bytes > 100_000,
      );
      expect(http.map((d) => d.zeek.connection.state)).toEqual(['SF', 'SF', 'SF', 'SF', 'SF']);
      expect(docs.filter((d) => d.destination.port === 23).map((d) => d.zeek.connection.state)).toEqual([
        'REJ',
      ]);

      const packets = docs.reduce((n, d) => n + (d.source.packets ?? 0) + (d.destination.packets ?? 0), 0);
      console.log(
        `pcap-live tshark: ${expected.tcp.length} TCP and ${expected.udp.length} UDP conversations, ${docs.length} flows, ${packets} IP packets, agreeing; ${phases.join(', ')}`,
      );
      expect(metric(metrics, 'flowtrail_pcap_kernel_drops_total', link.hostInterface)).toBe(0);
      expect(metric(metrics, 'flowtrail_pcap_metered_ip_packets_total', link.hostInterface)).toBe(packets);
      expect(
        metric(metrics, 'flowtrail_pcap_kernel_packets_total', link.hostInterface),
      ).toBeGreaterThanOrEqual(packets);
      expect(metric(metrics, 'flowtrail_pcap_flows_total', link.hostInterface)).toBe(docs.length);
      expect(metric(metrics, 'flowtrail_pcap_active_flows', link.hostInterface)).toBe(0);
    },
    120_000,
  );

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
    const churn = link.spawn(process.execPath, ['-e', CHURN_SENDER, link.hostIp, String(CHURN_PORT)]);
    const churned = { term: { 'destination.port': CHURN_PORT } };
    // Until the first churned flows ended (idle timeout) and were written out while more are held, not all of them
    // in Elasticsearch yet: a starved sender (a loaded machine) takes longer to get there than a fixed wait.
    let metrics = await scrape();
    const enough = () =>
      metric(metrics, 'flowtrail_pcap_flows_total', link.hostInterface) - earlier > 50 &&
      metric(metrics, 'flowtrail_pcap_active_flows', link.hostInterface) > 50;
    const until = Date.now() + 30_000;
    while (!enough() && Date.now() < until) {
      await sleep(200);
      metrics = await scrape();
    }
    killed.kill('SIGKILL');
    await ended(killed, 10_000);
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
    expect(await ended(restarted, 60_000)).toBe(0);
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
    const code = await ended(child, 30_000);
    expect(stderr).toContain(`inputs.pcap: cannot capture on ${link.hostInterface}`);
    expect(stderr).toContain('CAP_NET_RAW');
    expect(stderr).toContain('setcap cap_net_raw');
    expect(code).toBe(2);
  }, 60_000);
});
