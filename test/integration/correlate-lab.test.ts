import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { detectCapabilities } from '../../plugins/elasticsearch/capabilities.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { apiRoutes } from '../../src/api/routes.js';
import { startApiServer } from '../../src/api/server.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { type CorrelationSettings, correlationSettings } from '../../src/correlate/correlator.js';
import type { AlertDoc, FlowDoc } from '../../src/correlate/documents.js';
import { search } from '../../src/correlate/es.js';
import { correlatePending, followAlerts } from '../../src/correlate/follow.js';
import type { Investigation } from '../../src/correlate/investigate.js';
import { toAlertRecord } from '../../src/schema/alert.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { dataStreamName } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { quietLogger, testClient } from '../support/es.js';
import { configFile, LAB_EXPORTS, LAB_LOCAL, loadLab } from '../support/lab.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const client = testClient();

const store = elasticsearchStore(client);
let config: FlowtrailConfig;
let settings: CorrelationSettings;

type Context = {
  match: string;
  flow_count: number;
  flow_ids: string[];
  observers: string[];
  modules: string[];
  bytes: number;
  first_talker: string;
  last_talker: string;
  source: {
    before: { scan: { scanning: boolean } };
    after: { scan: { scanning: boolean }; new_peer_count: number };
  };
  destination: { after: { new_peers: string[] } };
};
type Alert = AlertDoc & { flowtrail: { context: Context } };

async function alerts(): Promise<Array<{ id: string; doc: Alert }>> {
  const result = await search<Alert>(store, settings.indices.alerts, { size: 100, sort: ['@timestamp'] });
  return result.hits.hits.map((h) => ({ id: h._id, doc: h._source }));
}

async function flowsById(ids: string[]): Promise<FlowDoc[]> {
  const result = await search<FlowDoc>(store, settings.indices.flows, {
    size: 1000,
    query: { ids: { values: ids } },
  });
  return result.hits.hits.map((h) => h._source);
}

function byRule<T extends { doc: Alert }>(list: T[], name: string): T[] {
  return list.filter((a) => a.doc.rule?.name?.includes(name));
}

describeNeeding(fixturesMissing())('alert ↔ flow correlation on the lab capture', () => {
  beforeAll(async () => {
    config = await loadLab(client);
    settings = correlationSettings(config);
  });
  afterAll(() => client.close());

  it('matches every IDS alert to its flows and writes the context onto it', async () => {
    const now = Date.now();
    const done = await correlatePending(
      store,
      settings,
      { until: now, retrySince: 0, retryAttemptBefore: now },
      now,
    );
    expect(done).toEqual({ correlated: 7, failed: [] });
    const list = await alerts();
    expect(list).toHaveLength(7);
    for (const { doc } of list) {
      expect(doc.flowtrail.context.flow_count, doc.rule?.name).toBeGreaterThan(0);
      expect(doc.flowtrail.context.modules).toEqual(['netflow']);
    }

    // Snort and Suricata both saw the SSH attempt; both reach the SYN and the RST in all five exports.
    for (const { doc } of byRule(list, 'LOCAL SSH')) {
      const c = doc.flowtrail.context;
      expect(c.match).toBe('community_id');
      expect(c.observers).toHaveLength(LAB_EXPORTS.length);
      expect(c.flow_count).toBe(2 * LAB_EXPORTS.length);
      expect([c.first_talker, c.last_talker]).toEqual(['198.51.100.30', '10.77.0.1']);
      // One exporter's view of the session (SYN 60 bytes + RST/ACK 40 bytes), not five exporters' sum.
      expect(c.bytes).toBe(100);
      for (const flow of await flowsById(c.flow_ids)) {
        const pair = [
          `${flow.source.ip}:${flow.source.port}`,
          `${flow.destination.ip}:${flow.destination.port}`,
        ];
        expect(pair.sort()).toEqual(['10.77.0.1:22', '198.51.100.30:60533']);
      }
    }

    // The portscan preprocessor's line has no ports: the scanner's flows to that address are its flows.
    const [portsweep] = byRule(list, 'Portsweep');
    const sweep = portsweep.doc.flowtrail.context;
    expect(sweep.match).toBe('host_pair');
    const sweepFlows = await flowsById(sweep.flow_ids);
    expect(new Set(sweepFlows.map((f) => `${f.source.ip}>${f.destination.ip}`))).toEqual(
      new Set(['203.0.113.66>10.77.0.20']),
    );
    expect(new Set(sweepFlows.map((f) => f.destination.port))).toEqual(new Set([22, 3389]));
    expect(sweep.source.before.scan.scanning).toBe(true);

    // The infected workstation's probe got no answer; afterwards it keeps scanning new addresses.
    for (const { doc } of byRule(list, 'Port 445')) {
      const c = doc.flowtrail.context;
      expect([c.first_talker, c.last_talker]).toEqual(['10.77.0.9', '10.77.0.9']);
      expect(c.source.after.scan.scanning).toBe(true);
      expect(c.source.after.new_peer_count).toBeGreaterThan(200);
    }

    // The web server was not scanning anybody, though its flows to the scanner are all resets.
    for (const { doc } of byRule(list, 'NMAP')) {
      expect(doc.flowtrail.context.source.before.scan.scanning).toBe(false);
      expect(doc.flowtrail.context.destination.after.new_peers).not.toContain('10.77.0.1');
    }
  });

  it('a second pass finds nothing left to correlate', async () => {
    const now = Date.now();
    expect(
      await correlatePending(store, settings, { until: now, retrySince: 0, retryAttemptBefore: now }, now),
    ).toEqual({ correlated: 0, failed: [] });
  });

  it('falls back to the 5-tuple when the community id finds no flow, and follows new alerts', async () => {
    const local = new LocalNetworks(LAB_LOCAL);
    const alert = toAlertRecord(
      {
        module: 'snort',
        action: 'alert',
        time: Date.parse('2026-11-21T22:05:42.500Z'),
        rule: { id: '9', name: 'late alert with a foreign community id' },
        protocol: 6,
        sourceIp: '198.51.100.30',
        sourcePort: 60533,
        destinationIp: '10.77.0.1',
        destinationPort: 22,
        communityId: '1:not-this-flow',
        identity: 'late-alert',
      },
      { localNetworks: local, now: Date.now() },
    );
    const controller = new AbortController();
    let passes = 0;
    const following = followAlerts(
      store,
      settings,
      { delayMs: 0, retryForMs: 3_600_000, pollMs: 200 },
      controller.signal,
      quietLogger,
      () => passes++,
    );
    const { pipeline } = createRuntime(config, client, quietLogger);
    await pipeline.start();
    await pipeline.emit('test', [alert]);
    await pipeline.finish();
    let context: Context | undefined;
    for (let i = 0; i < 100 && context === undefined; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await client.indices.refresh({ index: settings.indices.alerts });
      context = (await alerts()).find((a) => a.id === alert.id)?.doc.flowtrail?.context;
    }
    controller.abort();
    await following;
    expect(passes).toBeGreaterThan(1);
    expect(context?.match).toBe('five_tuple');
    expect(context?.flow_count).toBe(2 * LAB_EXPORTS.length);
  });

  it('an alert that cannot be updated is reported and does not hold up the others', async () => {
    const local = new LocalNetworks(LAB_LOCAL);
    const alert = (day: string, identity: string) =>
      toAlertRecord(
        {
          module: 'snort',
          action: 'alert',
          time: Date.parse(`${day}T22:05:42.500Z`),
          rule: { id: '10', name: identity },
          protocol: 6,
          sourceIp: '198.51.100.30',
          sourcePort: 60533,
          destinationIp: '10.77.0.1',
          destinationPort: 22,
          identity,
        },
        { localNetworks: local, now: Date.now() },
      );
    const stuck = alert('2026-11-20', 'alert in a read-only index');
    const fine = alert('2026-11-21', 'alert in a writable index');
    // Each alert in an index of its own: daily indices by their day, a data stream's backing indices by a rollover.
    const { indexMode } = await detectCapabilities(client);
    for (const record of [stuck, fine]) {
      const { pipeline } = createRuntime(config, client, quietLogger);
      await pipeline.start();
      await pipeline.emit('test', [record]);
      await pipeline.finish();
      if (indexMode === 'data_stream' && record === stuck)
        await client.indices.rollover({
          alias: dataStreamName('flowtrail.alerts', config.elasticsearch.namespace),
        });
    }
    await client.indices.refresh({ index: settings.indices.alerts });
    const where = new Map((await alerts()).map((a) => [a.id, a]));
    expect(where.has(stuck.id) && where.has(fine.id)).toBe(true);
    const readOnly = (
      await search(store, settings.indices.alerts, { query: { ids: { values: [stuck.id] } } })
    ).hits.hits[0]._index;
    await client.indices.putSettings({ index: readOnly, body: { 'index.blocks.write': true } });
    try {
      const now = Date.now();
      const result = await correlatePending(
        store,
        settings,
        { until: now, retrySince: 0, retryAttemptBefore: now },
        now,
      );
      expect(result.correlated).toBe(1);
      expect(result.failed.map((f) => f.id)).toEqual([stuck.id]);
      expect(result.failed[0].reason).toMatch(/block/);
    } finally {
      await client.indices.putSettings({ index: readOnly, body: { 'index.blocks.write': null } });
    }
  });

  it('`flowtrail correlate <id> --json` shows the flows, both histories and the peers around the alert', async () => {
    const [nmap] = byRule(await alerts(), 'NMAP');
    const result = await runCli(['correlate', nmap.id, '--json', '--config', configFile(config)], {
      FLOWTRAIL_ES_URL: config.elasticsearch.url!,
    });
    expect(result.code, result.stderr).toBe(0);
    const view = JSON.parse(result.stdout) as Investigation;
    expect(view.alert.id).toBe(nmap.id);
    expect(view.flows.length).toBeGreaterThan(0);
    const total = (h: Investigation['victim_history']) => h.reduce((n, b) => n + b.flows, 0);
    expect(total(view.victim_history)).toBeGreaterThan(1000);
    expect(total(view.attacker_history)).toBeGreaterThan(total(view.victim_history) - 1);
    // The hosts that exist answered the sweep (resets, the router's ICMP); the rest of the /24 only got SYNs.
    const { answered, answered_count, probed_only, probed_only_count } = view.attacker_peers;
    expect(answered.map((p) => p.ip).sort()).toEqual([
      '10.77.0.10',
      '10.77.0.11',
      '10.77.0.254',
      '10.77.0.5',
      '10.77.0.9',
      '192.0.2.1',
    ]);
    expect(answered_count).toBe(6);
    expect(probed_only).toContain('10.77.0.20');
    expect(probed_only).toHaveLength(20);
    expect(probed_only_count).toBe(250);
    // The victim answered the attacker but opened no conversation of its own with anyone afterwards.
    expect(view.victim_contacts_after).toEqual([]);
    // Five exporters saw the same flows: the windows are one exporter's, and the sweep counts its 256 addresses once.
    expect(view.context.observers).toHaveLength(5);
    expect(view.context.source?.after.scan.destinations).toBe(256);
    expect(view.context.observer_flow_count).toBeLessThan(view.context.flow_count);
    const text = await runCli(['correlate', nmap.id, '--config', configFile(config)], {
      FLOWTRAIL_ES_URL: config.elasticsearch.url!,
    });
    expect(text.stdout).toMatch(
      /^only probed by the attacker \(no answer\): 10\.77\.0\.0, .* … and 238 more$/m,
    );
    expect(text.stdout).toMatch(/^also talking to the attacker \(answered it\): 10\.77\.0\.5, /m);
  });

  it('GET /api/alerts/:id/context answers the same, with a bearer token when not on loopback', async () => {
    const [sweep] = byRule(await alerts(), 'Portsweep');
    const routes = apiRoutes(store, config, settings);
    const open = await startApiServer(routes, {
      host: '127.0.0.1',
      port: 0,
      token: undefined,
      logger: quietLogger,
    });
    const guarded = await startApiServer(routes, {
      host: '0.0.0.0',
      port: 0,
      token: TOKEN,
      logger: quietLogger,
    });
    try {
      const response = await fetch(`${open.url}/api/alerts/${encodeURIComponent(sweep.id)}/context`);
      expect(response.status).toBe(200);
      const view = (await response.json()) as Investigation;
      expect(view.context.match).toBe('host_pair');
      expect(
        view.flows.every((f) => f.source.ip === '203.0.113.66' && f.destination.ip === '10.77.0.20'),
      ).toBe(true);
      expect((await fetch(`${open.url}/api/alerts/nope/context`)).status).toBe(404);

      const port = new URL(guarded.url).port;
      const path = `http://127.0.0.1:${port}/api/alerts/${encodeURIComponent(sweep.id)}/context`;
      expect((await fetch(path)).status).toBe(401);
      expect(
        (await fetch(path, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status,
      ).toBe(401);
      expect((await fetch(path, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await open.close();
      await guarded.close();
    }
  });

  it('`flowtrail serve` refuses to listen beyond loopback without a token', async () => {
    const result = await runCli(['serve', '--listen', '0.0.0.0:19998', '--config', configFile(config)], {
      FLOWTRAIL_ES_URL: config.elasticsearch.url!,
      FLOWTRAIL_API_TOKEN: '',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs a bearer token/);
  });
});

const TOKEN = 'test-token-0123456789abcdef';
