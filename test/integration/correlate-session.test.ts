import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { suricataCodec } from '../../codecs/suricata/codec.js';
import { zeekCodec } from '../../codecs/zeek/codec.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { apiRoutes } from '../../src/api/routes.js';
import { startApiServer } from '../../src/api/server.js';
import type { Codec } from '../../src/codec/types.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import {
  type CorrelationSettings,
  correlateAlert,
  correlationSettings,
} from '../../src/correlate/correlator.js';
import type { AlertDoc } from '../../src/correlate/documents.js';
import { type Hit, search } from '../../src/correlate/es.js';
import type { Investigation } from '../../src/correlate/investigate.js';
import { type SessionMembers, TIMELINE_MAX } from '../../src/correlate/members.js';
import { Metrics } from '../../src/observability/metrics.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { ingestFiles } from '../support/codec.js';
import { quietLogger, type TestClient, testClient, testConfig } from '../support/es.js';
import { FIXTURES } from '../support/fixtures.js';
import { configFile, loadLab } from '../support/lab.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const client = testClient();
const store = elasticsearchStore(client);
afterAll(() => client.close());

const ZED = join(FIXTURES, 'zeek', 'zed-sample-data', 'zeek-json');
const ZEEK_LOGS = ['dns', 'notice', 'ssh', 'ssl', 'weird'];
/** Zeek conn records of other sessions (Elastic's tests), so that the flow index exists and has strangers. */
const ZEEK_CONNS = [
  join(FIXTURES, 'ids', 'zeek-beats', 'connection', 'connection-json.log'),
  join(FIXTURES, 'ids', 'zeek-integrations', 'test-conn.log'),
];
const EVE_FILES = [
  ...['test-eve-small.log', 'test-eve-6-0.log', 'test-eve-metadata.log', 'test-eve-dns-4-1-4.log'].map((f) =>
    join(FIXTURES, 'ids', 'suricata-integrations', f),
  ),
  join(FIXTURES, 'ids', 'suricata-beats', 'eve-alerts.log'),
];

type Json = Record<string, unknown>;

function jsonLines(file: string): Json[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Json);
}

/** The files through the same ingest source `flowtrail ingest` uses, into a namespace of the test's own. */
async function load(config: FlowtrailConfig, codec: Codec, files: string[]): Promise<void> {
  const localNetworks = new LocalNetworks(config.local_networks);
  const { pipeline } = createRuntime(config, client, quietLogger, new Metrics(), Number.POSITIVE_INFINITY);
  await pipeline.start();
  await pipeline.runSource(ingestFiles(codec, files, { localNetworks }));
  await pipeline.finish();
  await client.indices.refresh({ index: searchPattern('flowtrail.*', config.elasticsearch.namespace) });
}

async function setup(): Promise<void> {
  const year = 3650 * 86_400_000;
  await setupElasticsearch(client as TestClient, {
    retentionMs: { flows: year, alerts: year, events: year },
    version: 'test',
  });
}

async function allAlerts(settings: CorrelationSettings): Promise<Array<Hit<AlertDoc>>> {
  return (await search<AlertDoc>(store, settings.indices.alerts, { size: 1000, sort: ['@timestamp'] })).hits
    .hits;
}

/** The session's member counts per dataset, as a plain object. */
function counts(session: SessionMembers): Record<string, number> {
  return Object.fromEntries(session.datasets.map((d) => [d.dataset, d.count]));
}

/** The stored documents the timeline lists (flows aside), by id. */
async function memberDocs(settings: CorrelationSettings, session: SessionMembers): Promise<Json[]> {
  const ids = session.timeline.filter((m) => m.kind !== 'flow').map((m) => m.id);
  const result = await search<Json>(store, settings.indices.members, {
    size: ids.length,
    query: { ids: { values: ids } },
  });
  return result.hits.hits.map((h) => h._source);
}

const need = fixturesMissing() ?? (existsSync(ZED) ? undefined : `needs ${ZED}`);

describeNeeding(need)("an alert's session on Zeek's logs: what shares the notice's uid", () => {
  let settings: CorrelationSettings;
  beforeAll(async () => {
    await setup();
    const config = testConfig({ local_networks: ['10.0.0.0/8'] });
    settings = correlationSettings(config);
    await load(
      config,
      zeekCodec,
      ZEEK_LOGS.map((log) => join(ZED, `${log}.json`)),
    );
    await load(config, zeekCodec, ZEEK_CONNS);
  });

  it('lists exactly the records of each notice’s connection, and nothing of another one', async () => {
    const byUid = new Map<string, Record<string, number>>();
    for (const log of ZEEK_LOGS.filter((l) => l !== 'notice'))
      for (const record of jsonLines(join(ZED, `${log}.json`))) {
        const uid = record.uid as string | undefined;
        if (uid === undefined) continue;
        const expected = byUid.get(uid) ?? {};
        const dataset = `flowtrail.zeek_${log}`;
        expected[dataset] = (expected[dataset] ?? 0) + 1;
        byUid.set(uid, expected);
      }
    const notices = jsonLines(join(ZED, 'notice.json'));
    const alerts = await allAlerts(settings);
    expect(alerts).toHaveLength(notices.length);
    let withLogs = 0;
    for (const alert of alerts) {
      const uid = (alert._source as { flow?: { id?: string } }).flow?.id as string;
      const { session, context } = await correlateAlert(store, alert._source, settings);
      const expected = { 'flowtrail.alerts': 1, ...byUid.get(uid) };
      expect(counts(session), uid).toEqual(expected);
      if (Object.keys(expected).length > 1) withLogs++;
      expect(session.left_out).toBe(0);
      expect(session.alerts.map((a) => a.ids)).toEqual([[alert._id]]);
      expect(context.members?.count).toBe(session.member_count);
      for (const doc of await memberDocs(settings, session))
        expect((doc.zeek as { session_ids: string[] }).session_ids, uid).toContain(uid);
      // The ssl record's certificates were looked for too (this sample has no x509 log to find).
      const ssl = byUid.get(uid)?.['flowtrail.zeek_ssl'];
      if (ssl !== undefined) expect(session.keys.certificates.length).toBeGreaterThan(0);
    }
    // zed-sample-data's own overlap: 63 notices share their uid with an ssl record, 2 with weird records.
    expect(withLogs).toBe(notices.filter((n) => byUid.has(n.uid as string)).length);
    expect(withLogs).toBeGreaterThanOrEqual(63);
  });

  it('prints an ssl member as one line with its version and certificate', async () => {
    const alerts = await allAlerts(settings);
    const notice = alerts.find(
      (a) => (a._source as { flow?: { id?: string } }).flow?.id === 'CmC9kY1X0u9nP78KZc',
    );
    const { session } = await correlateAlert(store, notice!._source, settings);
    expect(session.timeline.map((m) => `${m.module} ${m.kind}: ${m.line}`)).toEqual([
      'zeek ssl: tls 1.0',
      expect.stringMatching(
        /^zeek alert: alert SSL::Invalid_Server_Cert 10\.164\.94\.120:39611 -> 10\.47\.3\.200:443$/,
      ),
    ]);
  });
});

describeNeeding(fixturesMissing())(
  "an alert's session on Suricata's EVE events: what shares its flow_id",
  () => {
    let settings: CorrelationSettings;
    beforeAll(async () => {
      await setup();
      const config = testConfig({ local_networks: ['192.168.0.0/16', '10.0.0.0/8'] });
      settings = correlationSettings(config);
      await load(config, suricataCodec, EVE_FILES);
    });

    it('lists exactly the events, flows and alerts of each alert’s flow, copies of one alert once', async () => {
      const datasetOf = (type: string) =>
        type === 'alert'
          ? 'flowtrail.alerts'
          : type === 'flow' || type === 'netflow'
            ? 'flowtrail.flows'
            : `flowtrail.suricata_${type}`;
      const byFlow = new Map<string, Record<string, number>>();
      for (const file of EVE_FILES)
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          const flowId = /"flow_id"\s*:\s*(\d+)/.exec(line)?.[1];
          if (flowId === undefined) continue;
          const expected = byFlow.get(flowId) ?? {};
          const dataset = datasetOf(JSON.parse(line).event_type as string);
          expected[dataset] = (expected[dataset] ?? 0) + 1;
          byFlow.set(flowId, expected);
        }
      const alerts = await allAlerts(settings);
      expect(alerts).toHaveLength(24);
      const copies: number[] = [];
      for (const alert of alerts) {
        const flowId = (alert._source as { flow?: { id?: string } }).flow?.id as string;
        const { session } = await correlateAlert(store, alert._source, settings);
        expect(counts(session), flowId).toEqual(byFlow.get(flowId));
        expect(session.left_out).toBe(0);
        for (const doc of await memberDocs(settings, session))
          expect((doc.flow as { id: string }).id, flowId).toBe(flowId);
        copies.push(...session.alerts.filter((a) => a.ids.length > 1).map((a) => a.ids.length));
      }
      // The alert of test-eve-6-0 and test-eve-metadata is one alert (one flow, rule and time), stored twice: each
      // of its two documents' sessions lists it once, as two copies.
      expect(copies).toEqual([2, 2]);
    });

    it('reads alert, DNS, HTTP, TLS and file members as one line each', async () => {
      const alerts = await allAlerts(settings);
      const curl = alerts.find((a) => a._source.rule?.name?.includes('curl'));
      const { session } = await correlateAlert(store, curl!._source, settings);
      expect(session.timeline.map((m) => m.line)).toEqual([
        expect.stringMatching(/^alert \[\d+\] ET POLICY curl User-Agent Outbound 192\.168\.1\.146:32858 -> /),
      ]);
      const { memberLine } = await import('../../src/correlate/member-line.js');
      const lineOf = async (flowId: string) => {
        const found = await search<Json>(store, settings.indices.members, {
          size: 1,
          query: { term: { 'flow.id': flowId } },
          sort: [{ '@timestamp': 'desc' }],
        });
        return memberLine(found.hits.hits[0]._source);
      };
      // Suricata 4's answers come one per event, without their question.
      expect(await lineOf('814378410010223')).toMatch(/^dns (A|CNAME) \S+ -> \S+$/);
      expect(await lineOf('2115002772430095')).toBe('http GET 192.168.86.28/dd.xml -> 200');
      expect(await lineOf('89751777876473')).toBe(
        'tls 1.2 sni p33-btmmdns.icloud.com cert CN=*.icloud.com, OU=management:idms.group.506364, O=Apple Inc., ST=California, C=US',
      );
      expect(await lineOf('2211411903323127')).toBe(
        'file /ssdp/device-desc.xml 1071 bytes sha256 f610428ebddf6f8cf9e39322e672583c45fcdcf885efad0ab48fd53a3dfc2c4b',
      );
    });
  },
);

describeNeeding(fixturesMissing())('the lab: Snort and Suricata on the same traffic are one session', () => {
  let config: FlowtrailConfig;
  let settings: CorrelationSettings;
  beforeAll(async () => {
    config = await loadLab(client, { exports: ['softflowd-ipfix'] });
    settings = correlationSettings(config);
  });

  it('the SSH attempt, the NMAP probe and the 445 probe each hold both tools’ alerts and nothing else', async () => {
    const alerts = await allAlerts(settings);
    for (const rule of ['LOCAL SSH', 'NMAP', 'Port 445']) {
      const mine = alerts.filter((a) => a._source.rule?.name?.includes(rule));
      expect(mine.map((a) => a._source.event?.module).sort()).toEqual(['snort', 'suricata']);
      for (const alert of mine) {
        const { session, context } = await correlateAlert(store, alert._source, settings);
        expect(session.alerts.map((a) => `${a.module} ${a.rule.name}`).sort(), rule).toEqual(
          mine.map((a) => `${a._source.event?.module} ${a._source.rule?.name}`).sort(),
        );
        expect(context.members?.alert_modules).toEqual(['snort', 'suricata']);
        expect(counts(session)['flowtrail.flows']).toBe(context.flow_count);
        const times = session.timeline.map((m) => Date.parse(m.time));
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }
    }
    // The portscan preprocessor's line names no ports, no flow and no Community ID: no session to look into.
    const [sweep] = alerts.filter((a) => a._source.rule?.name?.includes('Portsweep'));
    const { session } = await correlateAlert(store, sweep._source, settings);
    expect(session.keys).toEqual({ session_ids: [], community_ids: [], certificates: [] });
    expect(session.alerts).toEqual([]);
  });

  it('`correlate <id>` prints the timeline; --json and the API give the same session', async () => {
    const alerts = await allAlerts(settings);
    const ssh = alerts.find(
      (a) => a._source.event?.module === 'snort' && a._source.rule?.name?.includes('SSH'),
    );
    const env = { FLOWTRAIL_ES_URL: config.elasticsearch.url! };
    const text = await runCli(['correlate', ssh!._id, '--config', configFile(config)], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^session members: \d+ \(alerts 2, flows \d+\); alerts by snort, suricata$/m);
    expect(text.stdout).toMatch(
      /^ {2}2026-11-21T22:05:42\.500Z snort alert \[1000001\] LOCAL SSH .* 198\.51\.100\.30:60533 -> 10\.77\.0\.1:22$/m,
    );
    expect(text.stdout).toMatch(/^ {2}2026-11-21T22:05:42\.500Z suricata alert \[\d+\] LOCAL SSH/m);
    expect(text.stdout).toMatch(/^ {2}\S+ netflow flow tcp 198\.51\.100\.30:60533 -> 10\.77\.0\.1:22 /m);
    const json = await runCli(['correlate', ssh!._id, '--json', '--config', configFile(config)], env);
    const view = JSON.parse(json.stdout) as Investigation;
    const server = await startApiServer(apiRoutes(store, config, settings), {
      host: '127.0.0.1',
      port: 0,
      token: undefined,
      logger: quietLogger,
    });
    try {
      const response = await fetch(`${server.url}/api/alerts/${encodeURIComponent(ssh!._id)}/context`);
      const api = (await response.json()) as Investigation;
      expect(api.session).toEqual(view.session);
      expect(view.session.alerts.map((a) => a.module).sort()).toEqual(['snort', 'suricata']);
    } finally {
      await server.close();
    }
  });
  it("the infected workstation's scope: the new sessions it opened after the alert, each with its members", async () => {
    const alerts = await allAlerts(settings);
    const probe = alerts.find(
      (a) => a._source.event?.module === 'suricata' && a._source.rule?.name?.includes('445'),
    );
    const response = await runCli(['correlate', probe!._id, '--json', '--config', configFile(config)], {
      FLOWTRAIL_ES_URL: config.elasticsearch.url!,
    });
    expect(response.code, response.stderr).toBe(0);
    const { scope, context } = JSON.parse(response.stdout) as Investigation;
    expect(scope?.host).toBe('10.77.0.9');
    expect(scope?.scanning).toBe(true);
    // Its probes after the alert: tcp/445 to addresses of 198.51.100.0/24 it never talked to before.
    expect(scope?.session_count).toBeGreaterThan(200);
    expect(scope?.session_count).toBeLessThanOrEqual(scope?.sessions_opened ?? 0);
    expect(scope?.sessions).toHaveLength(20);
    for (const s of scope?.sessions ?? []) {
      expect(s.server.port).toBe(445);
      expect(s.server.ip).toMatch(/^198\.51\.100\./);
      expect(s.new_peer).toBe(true);
      expect(Date.parse(s.start)).toBeGreaterThanOrEqual(Date.parse(probe!._source['@timestamp']) - 1000);
      expect(context.source?.after.new_peers).toContain(s.server.ip);
    }
    const starts = (scope?.sessions ?? []).map((s) => Date.parse(s.start));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    // The web server that was scanned opened nothing new afterwards: its alerts have an empty scope.
    const nmap = alerts.find((a) => a._source.rule?.name?.includes('NMAP'));
    const quiet = await runCli(['correlate', nmap!._id, '--json', '--config', configFile(config)], {
      FLOWTRAIL_ES_URL: config.elasticsearch.url!,
    });
    expect((JSON.parse(quiet.stdout) as Investigation).scope).toMatchObject({
      host: '10.77.0.1',
      session_count: 0,
    });
  });
});

describe('a session with thousands of members (a long-lived tunnel)', () => {
  let settings: CorrelationSettings;
  const EVENTS = 3000;
  beforeAll(async () => {
    await setup();
    const config = testConfig({ local_networks: ['10.0.0.0/8'] });
    settings = correlationSettings(config);
    // One DNS-over-TCP tunnel: one flow id, an alert on it, and a query per second for as long as it lasts.
    const start = Date.parse('2026-11-21T10:00:00Z');
    const common =
      '"flow_id":77,"src_ip":"10.1.1.1","src_port":40000,"dest_ip":"192.0.2.53","dest_port":53,"proto":"TCP"';
    const lines = [
      `{"timestamp":"${new Date(start + 1500_000).toISOString()}","event_type":"alert",${common},"alert":{"signature_id":1,"signature":"tunnel","severity":2}}`,
    ];
    // Another conversation's flow, so that the flow index exists.
    lines.push(
      `{"timestamp":"${new Date(start).toISOString()}","event_type":"flow","flow_id":78,"src_ip":"10.1.1.2","src_port":40001,"dest_ip":"192.0.2.80","dest_port":80,"proto":"TCP","flow":{"pkts_toserver":3,"pkts_toclient":2,"bytes_toserver":200,"bytes_toclient":100,"start":"${new Date(start).toISOString()}","end":"${new Date(start + 1000).toISOString()}"}}`,
    );
    for (let i = 0; i < EVENTS; i++)
      lines.push(
        `{"timestamp":"${new Date(start + i * 1000).toISOString()}","event_type":"dns",${common},"dns":{"type":"query","id":${i},"rrname":"q${i}.tunnel.example","rrtype":"TXT"}}`,
      );
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-tunnel-'));
    writeFileSync(join(dir, 'eve.json'), `${lines.join('\n')}\n`);
    await load(config, suricataCodec, [join(dir, 'eve.json')]);
  });

  it('is counted, not listed: the timeline is bounded and says what it left out', async () => {
    const [alert] = await allAlerts(settings);
    const { session, context } = await correlateAlert(store, alert._source, settings);
    // The window around the alert (15 minutes each side) holds 1801 of the queries, a second apart.
    const inWindow = 2 * 900 + 1;
    expect(counts(session)).toEqual({ 'flowtrail.alerts': 1, 'flowtrail.suricata_dns': inWindow });
    expect(session.member_count).toBe(inWindow + 1);
    expect(session.timeline).toHaveLength(TIMELINE_MAX);
    expect(session.left_out).toBe(inWindow + 1 - TIMELINE_MAX);
    const dns = session.datasets.find((d) => d.dataset === 'flowtrail.suricata_dns');
    expect(dns?.count).toBe(inWindow);
    // The earliest 200 are listed: all of them queries (the alert is in the middle of the tunnel's time).
    expect(dns?.listed).toBe(TIMELINE_MAX);
    expect(session.datasets.reduce((n, d) => n + d.count - d.listed, 0)).toBe(session.left_out);
    expect(context.members).toEqual({
      count: inWindow + 1,
      datasets: ['flowtrail.alerts', 'flowtrail.suricata_dns'],
      alert_modules: ['suricata'],
      alert_count: 1,
    });
  });
});
