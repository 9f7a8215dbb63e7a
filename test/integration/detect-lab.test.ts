import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { createPcapIngestSource } from '../../plugins/netflow/ingest-source.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import type { AlertDoc } from '../../src/correlate/documents.js';
import { indicesOf, search } from '../../src/correlate/es.js';
import { findingToAlert } from '../../src/detect/alerts.js';
import type { Finding, FindingView } from '../../src/detect/finding.js';
import { detectRange, followDetections } from '../../src/detect/run.js';
import { emptyHostSummary, HOST_SUMMARY_DATASET, summaryRecord } from '../../src/reports/host-summary.js';
import { parseRange } from '../../src/reports/time.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { countDocs, quietLogger, testClient } from '../support/es.js';
import {
  configFile,
  LAB,
  LAB_LOCAL,
  LAB_NOTIFICATIONS,
  LAB_SCENARIO,
  LAB_SSH_POLICY,
  loadLab,
} from '../support/lab.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const client = testClient();

const store = elasticsearchStore(client);
const range = parseRange('2026-11-21 22:00', '2026-11-21 23:00');
const policies = [LAB_SSH_POLICY];
const POLICY = `detections:\n  policies: ${JSON.stringify(policies)}\n`;
const summary = (findings: Array<Pick<Finding, 'type' | 'direction' | 'source' | 'destination'>>) =>
  findings.map((f) => `${f.type} ${f.direction} ${f.source} ${f.destination ?? '-'}`).sort();

let config: FlowtrailConfig;

describeNeeding(fixturesMissing())('detections on the lab capture', () => {
  beforeAll(async () => {
    config = await loadLab(client, { config: { detections: { policies } } });
  });
  afterAll(() => client.close());

  it("find exactly the scenario: both incoming scans, the outgoing tcp/445 scan, the heavy talker, the SSH violation and the scanner's own", async () => {
    const findings = await detectRange(store, config, indicesOf(config.elasticsearch.namespace).flows, range);
    expect(summary(findings)).toEqual(LAB_SCENARIO);
    const by = (type: string, source: string) =>
      findings.find((f) => f.type === type && f.source === source)!;
    expect(by('port_scan', '203.0.113.66').evidence.distinct_ports).toBeGreaterThanOrEqual(1000);
    expect(by('port_scan', '203.0.113.66').evidence.policy).toEqual(['ssh-to-server']);
    // Each violation is of tcp/22 alone: the scanner's other 999 ports are its scans' evidence, not the policy's.
    expect(by('policy', '203.0.113.66').evidence).toMatchObject({ policy: ['ssh-to-server'], ports: [22] });
    expect(by('policy', '198.51.100.30').evidence).toMatchObject({ policy: ['ssh-to-server'], ports: [22] });
    expect(by('address_scan', '203.0.113.66').evidence.distinct_destinations).toBeGreaterThanOrEqual(254);
    // The sweep's two ports lead its list: they were tried on every address, the port scan's on one.
    expect(by('address_scan', '203.0.113.66').evidence.ports?.slice(0, 2)).toEqual([22, 3389]);
    // 445 on every address, one flow each as the busiest of the five exporters saw it; its resets to the scanner
    // that probed it are replies, not probes.
    expect(by('address_scan', '10.77.0.9').evidence).toMatchObject({
      failed_share: 1,
      ports: [445],
      distinct_destinations: 256,
      flows: 256,
    });
    // ~20 MB uploaded by iperf3, counted once although five exporters reported it.
    const volume = by('volume', '10.77.0.5').evidence;
    expect(volume.bytes_sent).toBeGreaterThan(20_000_000);
    expect(volume.bytes_sent).toBeLessThan(21_000_000);
    // The ordinary web and DNS clients and the servers they used raise nothing.
    const quiet = ['10.77.0.10', '10.77.0.11', '198.51.100.53', '203.0.113.80', '198.51.100.20'];
    expect(findings.filter((f) => quiet.includes(f.source) || quiet.includes(f.destination ?? ''))).toEqual(
      [],
    );

    // As alert documents: written once, however often the batch runs.
    const local = new LocalNetworks(LAB_LOCAL);
    for (let round = 0; round < 2; round++) {
      const { pipeline } = createRuntime(config, client, quietLogger);
      await pipeline.start();
      await pipeline.emit(
        'test',
        findings.map((f) => findingToAlert(f, local, Date.now())),
      );
      await pipeline.finish();
    }
    const alerts = indicesOf(config.elasticsearch.namespace).alerts;
    await countDocs(client, alerts);
    const ours = await search<AlertDoc & { flowtrail: { detection: { type: string; ports?: number[] } } }>(
      store,
      alerts,
      { size: 100, query: { term: { 'event.module': 'flowtrail' } } },
    );
    expect(ours.hits.total.value).toBe(LAB_SCENARIO.length);
    const scan = ours.hits.hits.find((h) => h._source.source?.ip === '10.77.0.9')!._source;
    expect(scan.event?.dataset).toBe('flowtrail.alerts');
    // Its resets to the incoming scanner are replies, not probes of its own: tcp/445 only, 256 addresses.
    expect(scan.flowtrail.detection).toMatchObject({
      type: 'address_scan',
      ports: [445],
      distinct_destinations: 256,
    });

    // `correlate` shows a detection with its evidence and the probes it judged, one exporter's of them.
    const id = ours.hits.hits.find((h) => h._source.source?.ip === '10.77.0.9')!._id;
    const shown = await runCli(['correlate', id, '-c', configFile(config)], {
      FLOWTRAIL_ES_URL: config.elasticsearch.url!,
    });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/"outgoing address scan by 10\.77\.0\.9" 10\.77\.0\.9$/m);
    expect(shown.stdout).toMatch(
      /^detection address_scan \(outgoing\) over 2026-11-21T22:05:00\.000Z \.\. .*: 256 flows, 100% failed, 256 destinations/m,
    );
    expect(shown.stdout).toMatch(
      /^matched 1280 flow record\(s\) by detection, 256 as 127\.0\.0\.1:\d+ saw them /m,
    );
    expect(shown.stdout).not.toMatch(/\?:-|by none/);
  });

  it('live mode finds the same in flows as they are indexed', async () => {
    const live = await loadLab(client, { exports: [], alerts: false, config: { detections: { policies } } });
    const controller = new AbortController();
    const found: Finding[] = [];
    const following = followDetections(
      store,
      live,
      indicesOf(live.elasticsearch.namespace).flows,
      { pollMs: 250, since: Date.now() - 1000, settleMs: 60_000 },
      controller.signal,
      quietLogger,
      async (f) => {
        found.push(...f);
      },
    );
    const { pipeline } = createRuntime(live, client, quietLogger);
    await pipeline.start();
    await pipeline.runSource(
      createPcapIngestSource([join(LAB, 'flows', 'pmacct-ipfix.pcap')], {
        localNetworks: new LocalNetworks(LAB_LOCAL),
      }),
    );
    await pipeline.finish();
    const flows = indicesOf(live.elasticsearch.namespace).flows;
    const total = await countDocs(client, flows);
    // Let a poll see every flow, then stop: the open window is judged at shutdown.
    await new Promise((r) => setTimeout(r, 1500));
    controller.abort();
    await following;
    expect(total).toBeGreaterThan(2000);
    expect(summary(found)).toEqual(LAB_SCENARIO);
  });

  it('judges volume against the host summaries: a host that moves this much every evening is no heavy talker', async () => {
    const usual = await loadLab(client, {
      exports: ['softflowd-ipfix'],
      alerts: false,
      config: { detections: { policies } },
    });
    const interval = usual.host_summaries.interval;
    const { pipeline } = createRuntime(usual, client, quietLogger);
    await pipeline.start();
    // Five earlier evenings at the same hour, ~100 MB per 5-minute interval: ~20 MB per 1-minute window.
    const history = [100, 104, 96, 102, 98].map((mb, day) =>
      summaryRecord(
        {
          ...emptyHostSummary('10.77.0.5', Date.parse('2026-11-21T22:05:00Z') - (day + 1) * 86_400_000),
          bytes_out_external: mb * 1_000_000,
        },
        interval,
        Date.now(),
      ),
    );
    await pipeline.emit('test', history);
    await pipeline.finish();
    await countDocs(client, searchPattern(HOST_SUMMARY_DATASET, usual.elasticsearch.namespace));
    const findings = await detectRange(store, usual, indicesOf(usual.elasticsearch.namespace).flows, range);
    expect(summary(findings)).toEqual(LAB_SCENARIO.filter((f) => !f.startsWith('volume')));
  });

  it('`flowtrail detect` notifies by email and webhook, one message per scan, violation and talker', async () => {
    const mails: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, callback) {
        let text = '';
        stream.on('data', (chunk) => (text += chunk));
        stream.on('end', () => {
          mails.push(text);
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const posts: Array<{
      subject: string;
      source: string;
      kind: string;
      findings: FindingView[];
      token?: string;
    }> = [];
    const hook: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        posts.push({ ...JSON.parse(body), token: req.headers['x-token'] });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const smtpPort = (smtp.server.address() as AddressInfo).port;
      const hookPort = (hook.address() as AddressInfo).port;
      const file = configFile(
        config,
        `${POLICY}notifications:
  aggregate_window: 10m
  email:
    host: 127.0.0.1
    port: ${smtpPort}
    from: flowtrail@example.org
    to: [soc@example.org]
  webhook:
    url: http://127.0.0.1:${hookPort}/hook
    headers: { x-token: abc }
`,
      );
      const result = await runCli(
        ['detect', '-c', file, '--from', '2026-11-21 22:00', '--to', '2026-11-21 23:00', '--json'],
        { FLOWTRAIL_ES_URL: config.elasticsearch.url! },
      );
      expect(result.code, result.stderr).toBe(0);
      const printed = JSON.parse(result.stdout) as { findings: FindingView[] };
      expect(summary(printed.findings)).toEqual(LAB_SCENARIO);
      expect(printed.findings.every((f) => /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(f.window_start))).toBe(true);
      // The findings are the result, on stdout; stderr does not repeat them.
      expect(result.stderr).not.toMatch(/port scan/);
      expect(posts.map((p) => `${p.kind} ${p.source}`).sort()).toEqual(LAB_NOTIFICATIONS);
      expect(posts.every((p) => p.token === 'abc')).toBe(true);
      const scanner = posts.find((p) => p.source === '203.0.113.66')!;
      expect(scanner.findings.map((f) => f.type).sort()).toEqual(['address_scan', 'port_scan']);
      expect(mails).toHaveLength(5);
      const scanMail = mails.find((m) => m.includes('incoming scan by 203.0.113.66'))!;
      expect(scanMail).toMatch(/port scan by 203\.0\.113\.66 of 10\.77\.0\.1/);
      expect(scanMail).toMatch(/To: soc@example\.org/);
    } finally {
      await new Promise<void>((resolve) => smtp.close(resolve));
      await new Promise<void>((resolve) => hook.close(() => resolve()));
    }
  });
});
