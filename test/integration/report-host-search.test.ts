import { afterAll, beforeAll, expect, it } from 'vitest';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { apiRoutes } from '../../src/api/routes.js';
import { startApiServer } from '../../src/api/server.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { correlationSettings } from '../../src/correlate/correlator.js';
import { indicesOf } from '../../src/correlate/es.js';
import type { HostLog } from '../../src/reports/host.js';
import { hostLog } from '../../src/reports/host.js';
import type { FlowSearch } from '../../src/reports/search.js';
import { searchFlows } from '../../src/reports/search.js';
import { parseSearch } from '../../src/reports/search-params.js';
import { runCli } from '../support/cli.js';
import { quietLogger, testClient } from '../support/es.js';
import { configFile, loadLab } from '../support/lab.js';
import { nfdumpFlows } from '../support/nfdump-csv.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const client = testClient();

const store = elasticsearchStore(client);
/** One export, so that every flow is in the index once, as in nfdump's reading of it. */
const PROBE = 'softflowd-ipfix';
let reference: ReturnType<typeof nfdumpFlows>;
const range = { from: '2026-11-21 22:05', to: '2026-11-21 22:06' };
let config: FlowtrailConfig;
let flows: string;

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describeNeeding(fixturesMissing())('flowtrail host and search on the lab capture', () => {
  beforeAll(async () => {
    reference = nfdumpFlows(PROBE);
    config = await loadLab(client, { exports: [PROBE], alerts: false });
    flows = indicesOf(config.elasticsearch.namespace).flows;
  });
  afterAll(() => client.close());

  it('host: what the web server did and who used its services, in the totals nfdump reads', async () => {
    const log = await hostLog(store, flows, '10.77.0.1', parseSearch(range).range);
    expect(log.flows).toBe(reference.filter((f) => f.sa === '10.77.0.1' || f.da === '10.77.0.1').length);
    expect(log.bytes_out).toBe(sum(reference.filter((f) => f.sa === '10.77.0.1').map((f) => f.bytes)));
    expect(log.bytes_in).toBe(sum(reference.filter((f) => f.da === '10.77.0.1').map((f) => f.bytes)));
    const clients = new Map(log.accessed_by.map((c) => [c.ip, c.ports]));
    expect(clients.get('198.51.100.30')).toEqual([22, 80]);
    expect(clients.get('198.51.100.20')).toEqual([80]);
    // The scanner reached many ports; the server itself used no service anywhere (its ping replies are ICMP).
    expect(log.accessed_by.find((c) => c.ip === '203.0.113.66')?.flows).toBeGreaterThan(1000);
    expect(log.services_used).toEqual([]);
    // What it offered: its web and SSH ports, each to the clients that opened conversations on them.
    const offered = new Map(log.services_offered.map((o) => [`${o.transport}/${o.port}`, o.clients]));
    expect(offered.get('tcp/80')).toBe(
      new Set(reference.filter((f) => f.da === '10.77.0.1' && f.dp === 80 && f.pr === 'tcp').map((f) => f.sa))
        .size,
    );
    expect(offered.has('tcp/22')).toBe(true);
    for (const peer of [...log.accessed_by, ...log.talked_to])
      expect(Date.parse(peer.first_seen as string)).toBeLessThanOrEqual(Date.parse(peer.last_seen as string));
    expect(sum(log.over_time.map((b) => b.flows))).toBe(log.flows);
    expect(sum(log.over_time.map((b) => b.bytes_out))).toBe(log.bytes_out);
  });

  it('host: the services a workstation used', async () => {
    const web = await hostLog(store, flows, '10.77.0.11', parseSearch(range).range);
    expect(web.services_used.map((s) => [s.port, s.transport, s.servers])).toEqual([[80, 'tcp', 1]]);
    // It sent most to the web server; the scanner got its resets only.
    expect(web.talked_to[0].ip).toBe('203.0.113.80');
    const dns = await hostLog(store, flows, '10.77.0.10', parseSearch(range).range);
    expect(dns.services_used.map((s) => [s.port, s.transport])).toEqual([[53, 'udp']]);
    // Both directions of its conversations with the resolver: its queries and the answers.
    expect(dns.services_used[0].flows).toBe(
      reference.filter(
        (f) => (f.sa === '10.77.0.10' && f.dp === 53) || (f.da === '10.77.0.10' && f.sp === 53),
      ).length,
    );
  });

  it('search: each filter narrows to exactly the records nfdump has', async () => {
    const run = async (extra: Record<string, string>) =>
      (await searchFlows(store, flows, parseSearch({ ...range, limit: '10000', ...extra }))).flows;
    // ICMP's type and code as such, not as ports: the pings and their replies.
    const pings = await run({ ip: '203.0.113.66', protocol: 'icmp' });
    expect(pings.map((r) => [r.source, r.icmp_type, r.icmp_code, r.source_port]).sort()).toEqual(
      reference
        .filter((f) => f.pr === 'icmp' && (f.sa === '203.0.113.66' || f.da === '203.0.113.66'))
        // nfdump writes ICMP's type and code as one number, type × 256 + code, in the destination port.
        .map((f) => [f.sa, f.dp >> 8, f.dp & 0xff, undefined])
        .sort(),
    );
    expect(new Set(pings.map((r) => r.icmp_type))).toEqual(new Set([0, 3, 8]));
    const ssh = await run({ firstTalker: '198.51.100.30', localPort: '22' });
    expect(
      ssh.map((r) => `${r.source}:${r.source_port}>${r.destination}:${r.destination_port}`).sort(),
    ).toEqual(['10.77.0.1:22>198.51.100.30:60533', '198.51.100.30:60533>10.77.0.1:22']);
    const iperf = await run({ ip: '10.77.0.0/24', remotePort: '5201', protocol: 'tcp', minBytes: '1000000' });
    expect(iperf.map((r) => [r.source, r.bytes])).toEqual(
      reference.filter((f) => f.dp === 5201 && f.bytes >= 1_000_000).map((f) => [f.sa, f.bytes]),
    );
    const udp = await run({ protocol: 'udp' });
    expect(udp).toHaveLength(reference.filter((f) => f.pr === 'udp').length);
    const small = await run({ ip: '203.0.113.66', maxBytes: '44' });
    expect(small).toHaveLength(
      reference.filter((f) => (f.sa === '203.0.113.66' || f.da === '203.0.113.66') && f.bytes <= 44).length,
    );
    expect(await run({ ip: '10.77.0.5', from: '2026-11-21 22:06', to: '2026-11-21 22:07' })).toEqual([]);
    const cut = await searchFlows(store, flows, parseSearch({ ...range, ip: '10.77.0.0/24', limit: '7' }));
    expect(cut.flows).toHaveLength(7);
    expect(cut).toMatchObject({ limit: 7, truncated: true, total_is_lower_bound: false });
    expect(cut.total).toBe((await run({ ip: '10.77.0.0/24' })).length);
    const whole = await searchFlows(
      store,
      flows,
      parseSearch({ ...range, ip: '10.77.0.0/24', limit: '10000' }),
    );
    expect(whole.truncated).toBe(false);
  });

  it('the API answers host, flow and report queries as the CLI does, and 400 for bad parameters', async () => {
    const api = await startApiServer(apiRoutes(store, config, correlationSettings(config)), {
      host: '127.0.0.1',
      port: 0,
      token: undefined,
      logger: quietLogger,
    });
    try {
      const query = 'from=2026-11-21T22:05Z&to=2026-11-21T22:06Z';
      const host = (await (await fetch(`${api.url}/api/hosts/10.77.0.1?${query}`)).json()) as HostLog;
      expect(host).toEqual(await hostLog(store, flows, '10.77.0.1', parseSearch(range).range));
      const found = (await (
        await fetch(`${api.url}/api/flows?${query}&first_talker=198.51.100.30&local_port=22`)
      ).json()) as FlowSearch;
      expect(found.flows).toHaveLength(2);
      expect(found).toMatchObject({ from: '2026-11-21T22:05:00.000Z', total: 2, truncated: false });
      const report = (await (await fetch(`${api.url}/api/reports/top-senders?${query}&limit=3`)).json()) as {
        rows: Array<{ ip: string }>;
      };
      expect(report.rows.map((r) => r.ip)).toEqual(['10.77.0.5', '203.0.113.80', '10.77.0.1']);
      const bad = await fetch(`${api.url}/api/flows?${query}&local_port=99999`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toMatch(
        /^local_port: expected an integer 0..65535$/,
      );
      expect((await fetch(`${api.url}/api/reports/nonsense`)).status).toBe(400);
    } finally {
      await api.close();
    }
  });

  it('the CLI prints the same as JSON and refuses bad filters with exit code 2', async () => {
    const env = { FLOWTRAIL_ES_URL: config.elasticsearch.url! };
    const file = configFile(config);
    const search = await runCli(
      [
        'search',
        '-c',
        file,
        '--from',
        range.from,
        '--to',
        range.to,
        '--first-talker',
        '198.51.100.30',
        '--local-port',
        '22',
        '--json',
      ],
      env,
    );
    expect(search.code, search.stderr).toBe(0);
    expect((JSON.parse(search.stdout) as FlowSearch).flows.map((r) => r.destination_port).sort()).toEqual([
      22, 60533,
    ]);
    const cut = await runCli(
      ['search', '-c', file, '--from', range.from, '--to', range.to, '--limit', '3'],
      env,
    );
    expect(cut.code, cut.stderr).toBe(0);
    expect(cut.stdout.trim().split('\n')).toHaveLength(4);
    expect(cut.stderr).toMatch(/^flowtrail: showing the first 3 of \d+ matching flows: raise --limit/m);
    // The default range (the last hour) holds none of the lab's flows: the note says where they are.
    const empty = await runCli(['search', '-c', file], env);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toMatch(
      /^flowtrail: no flows in \S+ \.\. \S+; the \d+ stored flow\(s\) end from 2026-11-21T22:\S+ to 2026-11-21T22:\S+: try --from 2026-11-21T2\d:\d\dZ --to 2026-11-21T22:\d\dZ$/m,
    );
    const none = await runCli(['host', '10.99.0.1', '-c', file, '--from', range.from, '--to', range.to], env);
    expect(none.stderr).toMatch(/^flowtrail: none of the \d+ flow\(s\) in .* matches the filters$/m);
    const host = await runCli(
      ['host', '10.77.0.5', '-c', file, '--from', range.from, '--to', range.to, '--json'],
      env,
    );
    expect(host.code, host.stderr).toBe(0);
    expect((JSON.parse(host.stdout) as HostLog).bytes_out).toBe(
      sum(reference.filter((f) => f.sa === '10.77.0.5').map((f) => f.bytes)),
    );
    const bad = await runCli(['search', '-c', file, '--ip', '10.77.0.0/99'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ip: expected an IP address or CIDR/);
  });
});
