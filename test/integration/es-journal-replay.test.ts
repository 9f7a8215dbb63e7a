import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { detectCapabilities } from '../../plugins/elasticsearch/capabilities.js';
import { dataStreamName, searchPattern } from '../../src/store/naming.js';
import { exited, startCli } from '../support/cli.js';
import { setUpCollector } from '../support/collector.js';
import { countDocs, type TestClient, testClient } from '../support/es.js';
import { LAB_FLOWS, pcapPayloads } from '../support/netflow/fixtures.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

/** The embedded Elasticsearch 7.10 OSS has none; `npm test` runs this file in its OpenSearch pass. */
const NO_DATA_STREAMS = 'needs a server with data streams (npm run test:opensearch)';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeNeeding(fixturesMissing())('the NetFlow journal replayed into a data stream that rolled over', () => {
  let es: TestClient;
  let child: ChildProcess | undefined;
  let dataStreams = false;
  beforeAll(async () => {
    es = testClient();
    dataStreams = (await detectCapabilities(es)).indexMode === 'data_stream';
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await es.close();
  });

  it('stores every flow once after a SIGKILL, a lost journal cursor and a rollover', async (ctx) => {
    if (!dataStreams) ctx.skip(NO_DATA_STREAMS);
    const { dataDir, config, namespace, netflowPort } = await setUpCollector('jroll', {
      esUrl: inject('esUrl'),
      bulk: 'max_docs: 200',
      metrics: '{ enabled: false }',
    });
    const count = () => countDocs(es, searchPattern('flowtrail.flows', namespace)).catch(() => 0);
    const until = async (wanted: number) => {
      const deadline = Date.now() + 60_000;
      while ((await count()) < wanted && Date.now() < deadline) await sleep(200);
    };
    let output = () => '';
    const start = async () => {
      ({ child, output } = await startCli(['collect', '--config', config], /"collecting"/));
    };

    await start();
    const sender = dgram.createSocket('udp4');
    for (const { data } of pcapPayloads(join(LAB_FLOWS, 'softflowd-v9.pcap'))) {
      await new Promise<void>((resolve, reject) =>
        sender.send(data, netflowPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
      await sleep(2);
    }
    sender.close();
    await until(2900);
    expect(await count()).toBe(2900);
    child!.kill('SIGKILL');
    await exited(child!);
    // A crash before the journal's cursor reached the disk: the next start decodes the whole journal again.
    rmSync(join(dataDir, 'netflow', 'journal', 'written.json'), { force: true });
    const stream = dataStreamName('flowtrail.flows', namespace);
    expect((await es.indices.rollover({ alias: stream })).body.rolled_over).toBe(true);

    await start();
    // Time for the journal to be decoded and written again, then a clean stop.
    await sleep(5000);
    child!.kill('SIGTERM');
    expect(await exited(child!)).toBe(0);
    // The journal really was decoded again: all of it was sent a second time, and found stored.
    const replay = output().match(/"bytes":(\d+)[^\n]*decoding what the last run had not written/);
    expect(Number(replay?.[1])).toBeGreaterThan(100_000);
    expect(await count()).toBe(2900);
    const { body } = await es.transport.request({ method: 'GET', path: `/_data_stream/${stream}` });
    const indices = body.data_streams[0].indices as Array<{ index_name: string }>;
    expect(await countDocs(es, indices[indices.length - 1].index_name)).toBe(0);
  }, 180_000);
});
