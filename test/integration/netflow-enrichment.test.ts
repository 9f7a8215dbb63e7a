import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { decodePayloads } from '../../plugins/netflow/offline.js';
import { createEnrichers } from '../../src/enrich/enrichers.js';
import { enrichmentSettings } from '../../src/enrich/settings.js';
import { Additions } from '../../src/enrich/types.js';
import { exited, runCli } from '../support/cli.js';
import { setUpCollector, startCollector } from '../support/collector.js';
import { countDocs, type TestClient, testClient } from '../support/es.js';
import { datPayloads, LAB_FLOWS, pcapPayloads } from '../support/netflow/fixtures.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Cisco ASR 9000 (IOS XR): an interface table (IE 10 + IE 83) as options data, then 21 flows. */
const ASR9K = [
  'netflow9_test_cisco_asr9k_opttpl256.dat',
  'netflow9_test_cisco_asr9k_data256.dat',
  'netflow9_test_cisco_asr9k_tpl260.dat',
  'netflow9_test_cisco_asr9k_data260.dat',
];
/** Cisco NBAR2: an application table (IE 95 + 96 + 94) as options data, then 5 flows carrying IE 95. */
const NBAR = [
  'netflow9_test_cisco_nbar_opttpl260.dat',
  'netflow9_test_cisco_nbar_tpl262.dat',
  'netflow9_test_cisco_nbar_data262.dat',
];
const FLOWS = 21 + 5;
/**
 * The lab's exports (`../shared/fixtures/lab`): softflowd sends an options record with IE 82 (the name of the
 * interface it captures on) under v9's Interface scope 0, or IPFIX's meteringProcessId scope, and ifIndex 0 on
 * every flow, which names no interface; pmacct sends no options data at all.
 */
const LAB_CAPTURES = ['softflowd-v9', 'softflowd-ipfix', 'pmacct-v9', 'pmacct-ipfix'];

/** `network.application` counts the port table gives the capture's flows, as collect's enrichers do. */
function applicationsOf(capture: string): Record<string, number> {
  const enrichers = createEnrichers(enrichmentSettings.parse({}), { localNetworks: [], warn: () => {} });
  const counts: Record<string, number> = {};
  for (const facts of decodePayloads(pcapPayloads(join(LAB_FLOWS, `${capture}.pcap`))).flows) {
    const add = new Additions();
    enrichers.apply(facts, add);
    const application = add.toObject().network?.application as string | undefined;
    if (application !== undefined) counts[application] = (counts[application] ?? 0) + 1;
  }
  enrichers.close();
  return counts;
}

async function sendAll(payloads: Buffer[], port: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  for (const payload of payloads) {
    await new Promise<void>((resolve, reject) =>
      socket.send(payload, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
    await sleep(20);
  }
  socket.close();
}

async function terms(es: TestClient, index: string, field: string, query: Record<string, unknown>) {
  const { body } = await es.search({
    index,
    size: 0,
    body: { query, aggs: { values: { terms: { field, size: 50 } } } },
  });
  const buckets = (
    body as { aggregations: { values: { buckets: Array<{ key: string; doc_count: number }> } } }
  ).aggregations.values.buckets;
  return Object.fromEntries(buckets.map((b) => [b.key, b.doc_count]));
}

describeNeeding(fixturesMissing())(
  'flowtrail collect: interface names and applications of vendor exports',
  () => {
    const es = testClient();
    let child: ChildProcess | undefined;
    afterAll(async () => {
      child?.kill('SIGKILL');
      await es.close();
    });

    it('names interfaces from IOS XR options data and the configuration, applications from NBAR2 options data', async () => {
      const { config, index, netflowPort } = await setUpCollector('enrich', {
        esUrl: inject('esUrl'),
        extra: [
          'enrichment:',
          "  observers: { names: { '127.0.0.1': lab-router } }",
          "  interfaces: { '127.0.0.1': { '158': { name: Bundle-Ether158, alias: core uplink } } }",
          // Applications from the options data alone: the port table would name the other flows too.
          '  applications: { builtin_ports: false }',
        ],
      });
      const started = await startCollector(config);
      child = started.child;
      await sendAll(
        datPayloads(...ASR9K).map((p) => p.data),
        netflowPort,
      );
      await sendAll(
        datPayloads(...NBAR).map((p) => p.data),
        netflowPort,
      );
      const deadline = Date.now() + 60_000;
      while ((await countDocs(es, index).catch(() => 0)) < FLOWS && Date.now() < deadline) await sleep(200);
      expect(await countDocs(es, index)).toBe(FLOWS);
      await es.indices.refresh({ index });

      const all = { match_all: {} };
      expect(await terms(es, index, 'observer.name', all)).toEqual({ 'lab-router': FLOWS });
      // Of the 21 ASR 9000 flows, 19 came in on an interface its options data (IE 83, the interface's name) or the
      // configuration (158) named; ifIndex 106 is in neither, and its 2 flows carry the id alone.
      const ingress = await terms(es, index, 'observer.ingress.interface.name', {
        term: { 'netflow.exporter.source_id': 2177 },
      });
      expect(ingress).toEqual({
        'Bundle-Ether158': 6,
        'Bundle-Ether2': 1,
        TenGigE0_0_1_1: 2,
        TenGigE0_1_0_0: 2,
        TenGigE0_1_0_1: 3,
        TenGigE0_6_0_0: 2,
        TenGigE0_6_0_2: 1,
        TenGigE0_6_1_0: 2,
      });
      const unnamed = { bool: { must_not: [{ exists: { field: 'observer.ingress.interface.name' } }] } };
      expect(
        await terms(es, index, 'observer.ingress.interface.id', {
          bool: { filter: [{ term: { 'netflow.exporter.source_id': 2177 } }, unnamed] },
        }),
      ).toEqual({ '106': 2 });
      const byId = await terms(es, index, 'observer.ingress.interface.id', {
        term: { 'observer.ingress.interface.name': 'TenGigE0_6_1_0' },
      });
      expect(Object.keys(byId)).toEqual(['110']);
      // ifIndex 158 is not in its table: named by enrichment.interfaces.
      const egress = await terms(es, index, 'observer.egress.interface.alias', {
        term: { 'observer.egress.interface.id': '158' },
      });
      expect(egress['core uplink']).toBeGreaterThan(0);
      // NBAR2: two flows of application 01000001 (icmp, in the table); 05000026 and 0300007b are not in it.
      expect(await terms(es, index, 'network.application', all)).toEqual({ icmp: 2 });

      // `report interfaces`: in and out of ifIndex 158, as the same exports decoded offline add them up.
      const offline = decodePayloads(datPayloads(...ASR9K)).flows;
      const on = (side: 'ingress' | 'egress') =>
        offline.filter((f) => f.observer?.[side]?.interface.id === '158');
      const sum = (flows: typeof offline, key: 'bytes' | 'packets') =>
        flows.reduce(
          (n, f) => n + (f[key] ?? 0) + ((key === 'bytes' ? f.reverseBytes : f.reversePackets) ?? 0),
          0,
        );
      const result = await runCli(
        [
          'report',
          'interfaces',
          '-c',
          config,
          '--from',
          '2000-01-01 00:00',
          '--to',
          '2099-01-01 00:00',
          '--json',
        ],
        {},
      );
      expect(result.code, result.stderr).toBe(0);
      const rows = JSON.parse(result.stdout).rows as Array<Record<string, unknown>>;
      expect(on('ingress').length).toBe(6);
      expect(rows.find((r) => r.interface === '158')).toEqual({
        exporter: '127.0.0.1',
        exporter_name: 'lab-router',
        interface: '158',
        name: 'Bundle-Ether158',
        alias: 'core uplink',
        in_bytes: sum(on('ingress'), 'bytes'),
        out_bytes: sum(on('egress'), 'bytes'),
        in_packets: sum(on('ingress'), 'packets'),
        out_packets: sum(on('egress'), 'packets'),
        flows: on('ingress').length + on('egress').length,
      });
      expect(rows.find((r) => r.interface === '110')).toMatchObject({ name: 'TenGigE0_6_1_0', alias: null });
      // The NBAR2 export's ifIndex 1 has no name anywhere; its row still counts its traffic.
      expect(rows.find((r) => r.interface === '1')).toMatchObject({ name: null, flows: 5 });

      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    }, 600_000);

    it('softflowd and pmacct lab exports: exporter names from the configuration, applications by port, no interface names', async () => {
      const { config, index } = await setUpCollector('lab-enrich', {
        esUrl: inject('esUrl'),
        extra: ['enrichment:', "  observers: { names: { '127.0.0.1': lab-probe } }"],
      });
      const files = LAB_CAPTURES.map((capture) => join(LAB_FLOWS, `${capture}.pcap`));
      const result = await runCli(['ingest', 'netflow', ...files, '-c', config, '--json'], {}, 480_000);
      expect(result.code, result.stderr).toBe(0);
      await es.indices.refresh({ index });
      for (const capture of LAB_CAPTURES) {
        const payloads = pcapPayloads(join(LAB_FLOWS, `${capture}.pcap`));
        const flows = decodePayloads(payloads).flows.length;
        const ofCapture = { term: { 'flowtrail.observer': `127.0.0.1:${payloads[0].port}` } };
        expect(await terms(es, index, 'observer.name', ofCapture), capture).toEqual({ 'lab-probe': flows });
        const named = {
          bool: {
            filter: [ofCapture],
            should: [
              { exists: { field: 'observer.ingress.interface.id' } },
              { exists: { field: 'observer.egress.interface.id' } },
            ],
            minimum_should_match: 1,
          },
        };
        const { body } = await es.count({ index, body: { query: named } });
        expect((body as { count: number }).count, capture).toBe(0);
        const applications = applicationsOf(capture);
        expect(Object.keys(applications).length, capture).toBeGreaterThan(0);
        expect(await terms(es, index, 'network.application', ofCapture), capture).toEqual(applications);
      }
    }, 600_000);
  },
);
