/**
 * The packet store end to end on the lab: `flowtrail ingest pcap uplink.pcap` with the store on, the lab's Snort and
 * Suricata alerts beside it, then for each alert `flowtrail pcap <alert-id>` and `GET /api/pcap/alert/<id>`. tshark
 * reads the original capture with a display filter for the alert's session (its 5-tuple both ways, or for the
 * portless portscan alert its host pair; ICMP errors that quote the session are no part of it) and the extracted
 * file: the packets must be the same, field by field, in the same order.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRecordingMeter, METER_DEFAULTS, selectRecords } from '../../codecs/pcap/meter.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { apiRoutes } from '../../src/api/routes.js';
import { startApiServer } from '../../src/api/server.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { correlationSettings } from '../../src/correlate/correlator.js';
import type { AlertDoc } from '../../src/correlate/documents.js';
import { search } from '../../src/correlate/es.js';
import { PacketStore } from '../../src/packets/writer.js';
import { runCli } from '../support/cli.js';
import { quietLogger, testClient } from '../support/es.js';
import { configFile, LAB, loadLab } from '../support/lab.js';
import { describeNeeding, firstMissing, fixturesMissing, toolsMissing } from '../support/requirements.js';
import { tool } from '../support/tools.js';

const client = testClient();
const store = elasticsearchStore(client);
const uplink = join(LAB, 'uplink.pcap');
const root = mkdtempSync(join(tmpdir(), 'flowtrail-pcap-store-'));
const ring = join(root, 'ring');

const FIELDS = [
  'frame.time_epoch',
  'frame.len',
  'frame.cap_len',
  'eth.src',
  'eth.dst',
  'ip.src',
  'ip.dst',
  'ip.id',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.seq_raw',
];

/** One line per packet of the file (those the display filter keeps), the fields above separated by `|`. */
function packets(file: string, filter?: string): string[] {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=|', ...FIELDS.flatMap((f) => ['-e', f])];
  if (filter !== undefined) args.push('-Y', filter);
  return tool('tshark', args).split('\n').filter(Boolean);
}

/** tshark's display filter for the alert's session. */
function sessionFilter(alert: AlertDoc): string {
  const s = alert.source as { ip: string; port?: number };
  const d = alert.destination as { ip: string; port?: number };
  if (s.port === undefined || d.port === undefined) return `ip.addr==${s.ip} && ip.addr==${d.ip} && !icmp`;
  const t = alert.network?.transport;
  const way = (a: typeof s, b: typeof d) =>
    `(ip.src==${a.ip} && ${t}.srcport==${a.port} && ip.dst==${b.ip} && ${t}.dstport==${b.port})`;
  return `(${way(s, d)} || ${way(d, s)}) && !icmp`;
}

let config: FlowtrailConfig;
let configPath: string;
let alerts: Array<{ id: string; doc: AlertDoc }>;

describeNeeding(firstMissing(fixturesMissing(), toolsMissing('tshark')))(
  "the packet store gives each lab alert's session back",
  () => {
    beforeAll(async () => {
      config = await loadLab(client, { exports: [] });
      configPath = configFile(config);
      const ingest = await runCli(
        [
          'ingest',
          'pcap',
          uplink,
          '--config',
          configPath,
          '--data-dir',
          root,
          '--packet-store',
          ring,
          '--json',
        ],
        { FLOWTRAIL_ES_URL: config.elasticsearch.url! },
        300_000,
      );
      expect(ingest.code, ingest.stderr).toBe(0);
      expect(JSON.parse(ingest.stdout).packet_store).toMatchObject({
        packets: 4243,
        files: 1,
        write_errors: 0,
      });
      await client.indices.refresh({ index: correlationSettings(config).indices.flows });
      const result = await search<AlertDoc>(store, correlationSettings(config).indices.alerts, {
        size: 100,
        sort: ['@timestamp'],
      });
      alerts = result.hits.hits.map((h) => ({ id: h._id, doc: h._source }));
    }, 600_000);
    afterAll(() => client.close());

    it('`flowtrail pcap <alert-id>` writes exactly the packets tshark finds for the session', async () => {
      expect(alerts).toHaveLength(7);
      for (const { id, doc } of alerts) {
        const out = join(root, `${id}.pcap`);
        const result = await runCli(['pcap', id, '-o', out, '--config', configPath, '--packet-store', ring], {
          FLOWTRAIL_ES_URL: config.elasticsearch.url!,
        });
        const rule = doc.rule?.name;
        expect(result.code, `${rule}: ${result.stderr}`).toBe(0);
        const expected = packets(uplink, sessionFilter(doc));
        expect(expected.length, rule).toBeGreaterThan(0);
        expect(packets(out), rule).toEqual(expected);
        expect(result.stdout).toContain(`${expected.length} packet(s) of`);
      }
    });

    it('GET /api/pcap/alert/<id> answers the same file, and 404 with the reason when the store is newer', async () => {
      const settings = correlationSettings(config);
      const ssh = alerts.find((a) => a.doc.rule?.name?.includes('LOCAL SSH') && a.doc.network?.community_id);
      if (ssh === undefined)
        throw new Error('the lab has a Suricata alert of the SSH attempt, with its Community ID');
      // A second ring holding the capture a day later than it happened: the alert's packets are older than it.
      const later = join(root, 'later');
      const shifted = Buffer.from(readFileSync(uplink));
      for (let at = 24; at + 16 <= shifted.length; at += 16 + shifted.readUInt32LE(at + 8))
        shifted.writeUInt32LE(shifted.readUInt32LE(at) + 86_400, at);
      const laterStore = new PacketStore(
        { dir: later, maxBytes: 1 << 30, maxAgeMs: 86_400_000, fileBytes: 1 << 26, sessionsPerFile: 65_536 },
        () => undefined,
      );
      const meter = createRecordingMeter(METER_DEFAULTS, 65_536);
      const writer = laterStore.writer(meter);
      meter.push(shifted);
      writer.afterPush();
      meter.end();
      writer.close();

      const api = await startApiServer(
        apiRoutes(store, config, settings, undefined, { dir: ring, select: selectRecords }),
        {
          host: '127.0.0.1',
          port: 0,
          token: undefined,
          logger: quietLogger,
        },
      );
      const stale = await startApiServer(
        apiRoutes(store, config, settings, undefined, { dir: later, select: selectRecords }),
        { host: '127.0.0.1', port: 0, token: undefined, logger: quietLogger },
      );
      try {
        const answer = await fetch(`${api.url}/api/pcap/alert/${encodeURIComponent(ssh.id)}`);
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toBe('application/vnd.tcpdump.pcap');
        const file = join(root, 'api.pcap');
        writeFileSync(file, Buffer.from(await answer.arrayBuffer()));
        expect(packets(file)).toEqual(packets(uplink, sessionFilter(ssh.doc)));

        // The alert's context says where its packets are.
        const context = await (
          await fetch(`${api.url}/api/alerts/${encodeURIComponent(ssh.id)}/context`)
        ).json();
        expect(context.packets).toEqual({
          packets: packets(uplink, sessionFilter(ssh.doc)).length,
          files: 1,
          unsealed_files: 0,
          command: `flowtrail pcap ${ssh.id}`,
          api: `/api/pcap/alert/${encodeURIComponent(ssh.id)}`,
        });
        const staleContext = await (
          await fetch(`${stale.url}/api/alerts/${encodeURIComponent(ssh.id)}/context`)
        ).json();
        expect(staleContext.packets).toBeUndefined();

        const cid = ssh.doc.network?.community_id as string;
        const byCommunityId = await fetch(`${api.url}/api/pcap/community-id/${encodeURIComponent(cid)}`);
        expect(byCommunityId.status).toBe(200);

        const gone = await fetch(`${stale.url}/api/pcap/alert/${encodeURIComponent(ssh.id)}`);
        expect(gone.status).toBe(404);
        expect((await gone.json()).error).toMatch(
          /^packets for this alert are older than the store: oldest packet kept is 2026-11-22T22:05:3\d/,
        );
        expect((await fetch(`${api.url}/api/pcap/alert/nope`)).status).toBe(404);
        expect((await fetch(`${api.url}/api/pcap/session/x`)).status).toBe(400);
      } finally {
        await api.close();
        await stale.close();
      }
      const cli = await runCli(['pcap', ssh.id, '--config', configPath, '--packet-store', later], {
        FLOWTRAIL_ES_URL: config.elasticsearch.url!,
      });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(
        /packets for this alert are older than the store: oldest packet kept is 2026-11-22/,
      );
    });
  },
);
