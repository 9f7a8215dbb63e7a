import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { exited, startCli } from '../support/cli.js';
import { setUpCollector } from '../support/collector.js';
import { countDocs, testClient } from '../support/es.js';
import { LAB_FLOWS, pcapPayloads } from '../support/netflow/fixtures.js';
import { Relay } from '../support/relay.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeNeeding(fixturesMissing())('flowtrail collect with its NetFlow journal', () => {
  const es = testClient();
  const relay = new Relay(new URL(inject('esUrl')));
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await relay.down();
    await es.close();
  });

  it('writes every flow exactly once through an Elasticsearch outage and a SIGKILL', async () => {
    await relay.up();
    const { config, index, netflowPort } = await setUpCollector('journal', {
      esUrl: `http://127.0.0.1:${relay.port}`,
      bulk: 'max_docs: 200',
      metrics: '{ enabled: false }',
      // A small queue, so that the pipeline pushes back at once while Elasticsearch is away.
      extra: ['queue: { max_records: 300 }'],
    });
    const start = async () => {
      child = (await startCli(['collect', '--config', config], /"collecting"/)).child;
    };
    await start();
    await relay.down();

    const payloads = pcapPayloads(join(LAB_FLOWS, 'softflowd-v9.pcap')).map((p) => p.data);
    const sender = dgram.createSocket('udp4');
    for (const payload of payloads) {
      await new Promise<void>((resolve, reject) =>
        sender.send(payload, netflowPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
      await sleep(2);
    }
    sender.close();
    // Decoded, pushed back by the pipeline, partly queued in memory: then the process dies.
    await sleep(1500);
    child!.kill('SIGKILL');
    await exited(child!);
    expect(await countDocs(es, index).catch(() => 0)).toBe(0);

    await relay.up();
    await start();
    const deadline = Date.now() + 60_000;
    while ((await countDocs(es, index).catch(() => 0)) < 2900 && Date.now() < deadline) await sleep(200);
    // Time for anything decoded twice to arrive too, then a clean stop.
    await sleep(1500);
    child!.kill('SIGTERM');
    expect(await exited(child!)).toBe(0);
    expect(await countDocs(es, index)).toBe(2900);
  });
});
