import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import type { ReportRow } from '../../src/reports/context.js';
import { runReport } from '../../src/reports/run.js';
import { parseRange } from '../../src/reports/time.js';
import { initiatorOf } from '../../src/schema/roles.js';
import { runCli } from '../support/cli.js';
import { testClient } from '../support/es.js';
import { configFile, LAB, loadLab } from '../support/lab.js';
import { nfdumpFlows } from '../support/nfdump-csv.js';
import { describeNeeding, firstMissing, fixturesMissing, toolsMissing } from '../support/requirements.js';
import { nfcapdFromExport, parseCsv, tool } from '../support/tools.js';

const client = testClient();

const store = elasticsearchStore(client);
/** One export, read by flowtrail and by nfdump alike. */
const PROBE = 'softflowd-ipfix';
/** The capture's whole hour, so that no flow falls outside. */
const range = parseRange('2026-11-21 22:00', '2026-11-21 23:00');
/** Argus counts the Ethernet header in its bytes; NetFlow probes count from the IP header on. */
const ETHERNET_HEADER = 14;
let config: FlowtrailConfig;
let nfcapd: string;
let argusRmon: Array<Record<string, string>>;

async function report(name: string, limit = 10, interval = 'day'): Promise<ReportRow[]> {
  return (await runReport(store, config, name, range, { limit, interval })).rows;
}

function nfdumpStat(stat: string, filter: string[] = [], n = 10): Array<Record<string, string>> {
  return parseCsv(tool('nfdump', ['-R', nfcapd, '-s', stat, '-n', String(n), '-o', 'csv', '-q', ...filter]));
}

describeNeeding(
  firstMissing(fixturesMissing(), toolsMissing('nfcapd', 'nfdump', 'argus', 'racluster', 'rasort')),
)('reports agree with nfdump and Argus on the lab capture', () => {
  beforeAll(async () => {
    config = await loadLab(client, { exports: [PROBE], alerts: false });
    nfcapd = await nfcapdFromExport(
      join(LAB, 'flows', `${PROBE}.pcap`),
      29_000 + Math.floor(Math.random() * 900),
    );
    // Argus builds its own (bidirectional) flows from the packets; rmon mode turns them into per-host records.
    const argusFile = join(mkdtempSync(join(tmpdir(), 'flowtrail-argus-')), 'lab.argus');
    tool('argus', ['-r', join(LAB, 'uplink.pcap'), '-w', argusFile]);
    const rmon = join(argusFile, '..', 'rmon.argus');
    tool('racluster', ['-M', 'rmon', '-m', 'saddr', '-r', argusFile, '-w', rmon]);
    argusRmon = parseCsv(
      tool('rasort', [
        '-r',
        rmon,
        '-m',
        'sbytes',
        '-n',
        '-s',
        'saddr',
        'spkts',
        'sbytes',
        'dpkts',
        'dbytes',
        '-c',
        ',',
      ]),
    );
  });
  afterAll(() => client.close());

  it('top senders and receivers: the same addresses, flows, packets and bytes as nfdump -s srcip/dstip', async () => {
    for (const [name, stat] of [
      ['top-senders', 'srcip/bytes'],
      ['top-receivers', 'dstip/bytes'],
    ]) {
      const ours = await report(name);
      const theirs = nfdumpStat(stat);
      expect(
        ours.map((r) => [r.ip, r.flows, r.packets, r.bytes]),
        name,
      ).toEqual(theirs.map((r) => [r.val, Number(r.fl), Number(r.pkt), Number(r.byt)]));
    }
  });

  it('top senders and receivers: the same packets and (IP) bytes per host as Argus racluster -M rmon | rasort', async () => {
    const senders = await report('top-senders', 10);
    const argus = new Map(argusRmon.map((r) => [r.SrcAddr, r]));
    for (const row of senders) {
      const a = argus.get(String(row.ip));
      expect(a, String(row.ip)).toBeDefined();
      expect(row.packets, String(row.ip)).toBe(Number(a!.SrcPkts));
      expect(row.bytes, String(row.ip)).toBe(Number(a!.SrcBytes) - ETHERNET_HEADER * Number(a!.SrcPkts));
    }
    // Argus' own ranking by bytes sent is ours.
    expect(argusRmon.slice(0, 5).map((r) => r.SrcAddr)).toEqual(senders.slice(0, 5).map((r) => r.ip));
    const receivers = await report('top-receivers', 5);
    for (const row of receivers) {
      const a = argus.get(String(row.ip))!;
      expect(row.packets, String(row.ip)).toBe(Number(a.DstPkts));
      expect(row.bytes, String(row.ip)).toBe(Number(a.DstBytes) - ETHERNET_HEADER * Number(a.DstPkts));
    }
  });

  it("port breakdown: nfdump's TCP flows and bytes per service port, both directions, no ephemeral ports", async () => {
    const ours = new Map(
      (await report('ports', 10_000)).filter((r) => r.transport === 'tcp').map((r) => [r.port, r]),
    );
    // nfdump's reading of the export, each flow put under the port of the end that did not open the conversation.
    const theirs = new Map<number, { flows: number; bytes: number }>();
    for (const f of nfdumpFlows(PROBE).filter((f) => f.pr === 'tcp')) {
      const opener = initiatorOf({ protocol: 6, sourcePort: f.sp, destinationPort: f.dp, tcpFlags: f.flags });
      const port = opener === 'source' ? f.dp : f.sp;
      const sum = theirs.get(port) ?? { flows: 0, bytes: 0 };
      sum.flows += 1;
      sum.bytes += f.bytes;
      theirs.set(port, sum);
    }
    expect(theirs.size).toBeGreaterThan(1000);
    for (const [port, sum] of theirs) {
      expect(ours.get(port)?.bytes, String(port)).toBe(sum.bytes);
      expect(ours.get(port)?.flows, String(port)).toBe(sum.flows);
    }
    expect(ours.size).toBe(theirs.size);
    // The upload's server port leads with both its directions; the scanner's and the clients' ports are not services.
    const [top] = [...ours.values()].sort((a, b) => Number(b.bytes) - Number(a.bytes));
    expect(top).toMatchObject({ port: 5201 });
    expect(Number(top.bytes)).toBeGreaterThan(20_105_500);
    expect(ours.has(34311)).toBe(false);
  });

  it('statistics and billing add up to nfdump -I', async () => {
    const summary = Object.fromEntries(
      tool('nfdump', ['-R', nfcapd, '-I'])
        .trim()
        .split('\n')
        .map((line) => line.split(': ')),
    );
    const stats = await report('stats');
    const row = (metric: string, value: string | null = null) =>
      stats.find((r) => r.metric === metric && r.value === value);
    expect(row('total')).toMatchObject({
      flows: Number(summary.Flows),
      packets: Number(summary.Packets),
      bytes: Number(summary.Bytes),
    });
    // nfdump's "icmp" holds ICMP and ICMPv6; ECS names them apart.
    const transports = { tcp: ['tcp'], udp: ['udp'], icmp: ['icmp', 'ipv6-icmp'] };
    for (const [name, ours] of Object.entries(transports)) {
      const rows = ours.map((t) => row('transport', t));
      expect(
        rows.reduce((n, r) => n + Number(r?.flows ?? 0), 0),
        name,
      ).toBe(Number(summary[`Flows_${name}`]));
      expect(
        rows.reduce((n, r) => n + Number(r?.bytes ?? 0), 0),
        name,
      ).toBe(Number(summary[`Bytes_${name}`]));
    }

    const heavy = (await report('billing', 10, 'day')).find((r) => r.ip === '10.77.0.5');
    const sent = nfdumpStat('srcip/bytes', ['src ip 10.77.0.5'], 1)[0];
    const received = nfdumpStat('dstip/bytes', ['dst ip 10.77.0.5'], 1)[0];
    expect(heavy).toMatchObject({
      period: '2026-11-21T00:00:00.000Z',
      external_out: Number(sent.byt),
      external_in: Number(received.byt),
      internal_in: 0,
      internal_out: 0,
    });
  });

  it('scans, services and busiest pairs name what the scenario did', async () => {
    const scansIn = await report('scans-in');
    expect(scansIn.map((r) => r.ip)).toEqual(['203.0.113.66']);
    expect(scansIn[0].distinct_ports).toBeGreaterThanOrEqual(1000);
    expect(scansIn[0].ports).toEqual(expect.arrayContaining([22, 3389]));
    const scansOut = await report('scans-out');
    expect(scansOut.map((r) => r.ip)).toEqual(['10.77.0.9']);
    expect(scansOut[0].ports).toContain(445);
    expect(scansOut[0].destinations).toBeGreaterThanOrEqual(254);

    const services = (await report('client-server')).map((r) => `${r.host} ${r.role} ${r.service}`);
    expect(services).toEqual(['10.77.0.1 server http', '10.77.0.10 client dns', '10.77.0.11 client http']);

    const pairs = await report('host-pairs', 3);
    expect(pairs.map((p) => [p.a, p.b])).toEqual([
      ['10.77.0.5', '198.51.100.20'],
      ['10.77.0.11', '203.0.113.80'],
      ['10.77.0.1', '198.51.100.20'],
    ]);
    const remote = await report('remote-hosts', 2);
    expect(remote.map((r) => r.ip)).toEqual(['198.51.100.20', '203.0.113.80']);
    const sizes = await report('packet-sizes');
    const stats = await report('stats');
    const flows = (rows: ReportRow[]) => rows.reduce((n, r) => n + Number(r.flows), 0);
    expect(flows(sizes)).toBe(stats.find((r) => r.metric === 'total')?.flows);
  });

  it('`flowtrail report billing --csv` prints a header and one line per address and day', async () => {
    const result = await runCli(
      [
        'report',
        'billing',
        '-c',
        configFile(config),
        '--from',
        '2026-11-21 22:00',
        '--to',
        '2026-11-21 23:00',
        '--csv',
      ],
      { FLOWTRAIL_ES_URL: config.elasticsearch.url! },
    );
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'ip,period,external_in,external_out,internal_in,internal_out,external,total,observer',
    );
    const rows = await report('billing', 10, 'day');
    expect(lines.slice(1)).toEqual(
      rows.map((r) =>
        lines[0]
          .split(',')
          .map((c) => r[c])
          .join(','),
      ),
    );
    expect(lines.filter((l) => l.startsWith('10.77.0.5,'))).toHaveLength(1);
    const unknown = await runCli(['report', 'nonsense', '-c', configFile(config)], {
      FLOWTRAIL_ES_URL: config.elasticsearch.url!,
    });
    expect(unknown.code).toBe(2);
  });

  it('`flowtrail report scans-in` prints ports as numbers in a list, explains its columns, and says where data is', async () => {
    const env = { FLOWTRAIL_ES_URL: config.elasticsearch.url! };
    const args = [
      'report',
      'scans-in',
      '-c',
      configFile(config),
      '--from',
      '2026-11-21 22:00',
      '--to',
      '2026-11-21 23:00',
    ];
    const json = await runCli([...args, '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const [scanner] = JSON.parse(json.stdout).rows;
    expect(Array.isArray(scanner.ports), json.stdout).toBe(true);
    expect(scanner.ports.every((p: unknown) => typeof p === 'number')).toBe(true);
    const table = await runCli(args, env);
    expect(table.stdout).toMatch(/^ {2}failed_share +share of its TCP attempts that failed/m);
    expect(table.stdout).toMatch(
      new RegExp(`^203\\.0\\.113\\.66 .* ${scanner.ports.slice(0, 3).join(' ')}`, 'm'),
    );
    expect(table.stderr).toBe('');
    // The default range, the last hour, holds none of the lab's flows.
    const empty = await runCli(['report', 'top-senders', '-c', configFile(config)], env);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toMatch(
      /^flowtrail: no flows in .*: try --from 2026-11-21T2\d:\d\dZ --to 2026-11-21T2\d:\d\dZ$/m,
    );
  });
});
