import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { exited } from '../support/cli.js';
import { setUpCollector, startCollector } from '../support/collector.js';
import { countDocs, testClient } from '../support/es.js';
import { LAB_FLOWS, pcapPayloads } from '../support/netflow/fixtures.js';
import { POISON_IPFIX } from '../support/netflow/poison.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Flows in softflowd's v9 export of the lab capture (nfdump reads as many). */
const LAB_V9_FLOWS = 2900;

describeNeeding(fixturesMissing())('flowtrail collect and a datagram with an impossible flow time', () => {
  const es = testClient();
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await es.close();
  });

  it('costs one counted record; the flows sent before and after it, from the same exporter, are all indexed', async () => {
    const { config, dataDir, index, netflowPort } = await setUpCollector('poison', {
      esUrl: inject('esUrl'),
    });
    const started = await startCollector(config);
    child = started.child;
    const metricsUrl = started.metricsUrl as string;
    expect(metricsUrl).toBeDefined();

    const payloads = pcapPayloads(join(LAB_FLOWS, 'softflowd-v9.pcap')).map((p) => p.data);
    const half = Math.floor(payloads.length / 2);
    const sender = dgram.createSocket('udp4');
    const send = (payload: Buffer) =>
      new Promise<void>((resolve, reject) =>
        sender.send(payload, netflowPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
    for (const payload of [...payloads.slice(0, half), POISON_IPFIX, ...payloads.slice(half)]) {
      await send(payload);
      await sleep(2);
    }
    const exporter = `127.0.0.1:${(sender.address() as { port: number }).port}`;
    sender.close();

    const deadline = Date.now() + 60_000;
    while ((await countDocs(es, index).catch(() => 0)) < LAB_V9_FLOWS && Date.now() < deadline)
      await sleep(200);
    expect(await countDocs(es, index)).toBe(LAB_V9_FLOWS);
    expect(child.exitCode).toBeNull();

    const metrics = await (await fetch(metricsUrl)).text();
    const escaped = exporter.replaceAll('.', '\\.');
    expect(metrics).toMatch(
      new RegExp(
        `flowtrail_netflow_skipped_records_total\\{exporter="${escaped}",reason="invalid-time"\\} 1\\b`,
      ),
    );
    expect(metrics).toMatch(
      new RegExp(`flowtrail_netflow_malformed_packets_total\\{exporter="${escaped}"\\} 0\\b`),
    );
    expect(metrics).not.toMatch(/flowtrail_netflow_failed_packets_total\{/);
    const deadLetters = readFileSync(join(dataDir, 'dead-letter', 'netflow.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(deadLetters).toHaveLength(1);
    expect(JSON.stringify(deadLetters[0])).toContain(POISON_IPFIX.toString('base64'));
    expect(JSON.stringify(deadLetters[0])).toContain('a start or end time out of range');

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });
});
