import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { readPcapFile } from '../../plugins/netflow/pcap-file.js';
import type { AlertDoc } from '../../src/correlate/documents.js';
import { search } from '../../src/correlate/es.js';
import type { FindingView } from '../../src/detect/finding.js';
import { searchPattern } from '../../src/store/naming.js';
import { exited, runCli, startCli } from '../support/cli.js';
import { countDocs, testClient } from '../support/es.js';
import { LAB, LAB_NOTIFICATIONS, LAB_SCENARIO, LAB_SSH_POLICY } from '../support/lab.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

type Detection = AlertDoc & {
  rule: { id: string };
  flowtrail: { detection: Record<string, unknown> & { type: string; direction: string } };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeNeeding(fixturesMissing())('flowtrail collect runs the detections on the flows it collects', () => {
  const es = testClient();
  const store = elasticsearchStore(es);
  const root = mkdtempSync(join(tmpdir(), 'flowtrail-detect-collect-'));
  const namespace = `dc${Date.now().toString(36)}`;
  const posts: Array<{ kind: string; source: string; findings: FindingView[] }> = [];
  let hook: Server;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    expect((await runCli(['setup', '--es', inject('esUrl')])).code).toBe(0);
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        posts.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await new Promise<void>((resolve) => hook.close(() => resolve()));
    await es.close();
  });

  it('writes the lab scenario as alert documents with their evidence, and notifies, without `detect`', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const config = join(root, 'flowtrail.yml');
    writeFileSync(
      config,
      [
        `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace}, bulk: { flush_interval: 100ms } }`,
        `stack: { data_dir: "${join(root, 'data')}" }`,
        'metrics: { enabled: false }',
        'local_networks: [10.77.0.0/24]',
        `inputs: { netflow: { host: 127.0.0.1, port: ${port} } }`,
        'detections:',
        // Open windows are judged after a second without flows, rather than ten.
        '  lateness: 1s',
        `  policies: ${JSON.stringify([LAB_SSH_POLICY])}`,
        'notifications:',
        '  aggregate_window: 1s',
        `  webhook: { url: "http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook" }`,
      ].join('\n'),
    );
    child = (await startCli(['collect', '--config', config], /"collecting"/)).child;

    // One exporter's IPFIX export of the capture, datagram by datagram as pmacct sent it.
    const { datagrams } = await readPcapFile(join(LAB, 'flows', 'pmacct-ipfix.pcap'));
    const socket = createSocket('udp4');
    for (const [i, d] of datagrams.entries()) {
      await new Promise<void>((resolve, reject) =>
        socket.send(d.payload, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
      if (i % 20 === 19) await sleep(5);
    }
    socket.close();

    const alerts = searchPattern('flowtrail.alerts', namespace);
    let found: Detection[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(250)) {
      const result = await search<Detection>(store, alerts, {
        size: 100,
        query: { term: { 'event.module': 'flowtrail' } },
      }).catch(() => undefined);
      found = result?.hits.hits.map((h) => h._source) ?? [];
      if (found.length >= LAB_SCENARIO.length && posts.length >= 5) break;
    }
    const summary = found
      .map(
        (a) =>
          `${a.flowtrail.detection.type} ${a.flowtrail.detection.direction} ${a.source?.ip} ${a.destination?.ip ?? '-'}`,
      )
      .sort();
    expect(summary).toEqual(LAB_SCENARIO);
    const by = (type: string, source: string) =>
      found.find((a) => a.flowtrail.detection.type === type && a.source?.ip === source)!;
    expect(by('port_scan', '203.0.113.66').flowtrail.detection).toMatchObject({
      distinct_ports: expect.any(Number),
      policy: ['ssh-to-server'],
    });
    expect(by('port_scan', '203.0.113.66').flowtrail.detection.distinct_ports).toBeGreaterThanOrEqual(1000);
    expect(by('address_scan', '10.77.0.9').flowtrail.detection).toMatchObject({ failed_share: 1 });
    // Only the ports 10.77.0.9 opened conversations to: a refusal's reply port (34311) is not one it scanned.
    expect(by('address_scan', '10.77.0.9').flowtrail.detection.ports).toEqual([445]);
    expect(by('policy', '203.0.113.66')).toMatchObject({
      rule: { id: 'flowtrail.policy.incoming' },
      destination: { ip: '10.77.0.1', port: 22 },
      flowtrail: { detection: { policy: ['ssh-to-server'], ports: [22] } },
    });
    const volume = by('volume', '10.77.0.5').flowtrail.detection;
    expect(volume.bytes_sent).toBeGreaterThan(20_000_000);
    expect(volume.bytes_sent).toBeLessThan(21_000_000);

    // Aggregated: one message per scanner, violator and talker.
    expect(posts.map((p) => `${p.kind} ${p.source}`).sort()).toEqual(LAB_NOTIFICATIONS);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    child = undefined;
    // The flows went to Elasticsearch as well, and stopping judged nothing twice.
    expect(await countDocs(es, searchPattern('flowtrail.flows', namespace))).toBeGreaterThan(1000);
    expect(await countDocs(es, alerts)).toBe(LAB_SCENARIO.length);
  });
});
