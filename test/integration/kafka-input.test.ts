import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogInputs } from '../../app/wiring/log-inputs.js';
import { createRuntime } from '../../app/wiring/runtime.js';
import { Enrichers } from '../../src/enrich/enrichers.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { runCli } from '../support/cli.js';
import { countDocs, quietLogger, testClient, testConfig } from '../support/es.js';

const bootstrap = inject('kafkaBootstrap');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function zeekConn(n: number): string {
  const record = {
    ts: 1_709_287_200 + n / 1000,
    uid: `Ckafka${n}`,
    'id.orig_h': '10.3.0.1',
    'id.orig_p': 30000 + (n % 30000),
    'id.resp_h': '192.0.2.9',
    'id.resp_p': 53,
    proto: 'udp',
    conn_state: 'SF',
    orig_pkts: 1,
    orig_ip_bytes: 60,
    resp_pkts: 1,
    resp_ip_bytes: 120,
  };
  // Half as the zeek-kafka plugin tags records (`{"conn":{…}}`), half as plain JSON lines.
  return JSON.stringify(n % 2 === 0 ? { conn: record } : record);
}

function eveAlert(n: number): string {
  return JSON.stringify({
    timestamp: '2024-03-01T10:00:00.000000+0000',
    flow_id: 7_000_000 + n,
    event_type: 'alert',
    src_ip: '10.3.0.2',
    src_port: 40000,
    dest_ip: '192.0.2.10',
    dest_port: 443,
    proto: 'TCP',
    alert: { action: 'allowed', signature_id: 2000, signature: 'kafka test', severity: 3 },
  });
}

describe.skipIf(bootstrap === null)('kafka topic input', () => {
  const suffix = Date.now().toString(36);
  const topics = { zeek: `zeek-conn-${suffix}`, eve: `suricata-eve-${suffix}` };
  const kafka = new Kafka({
    clientId: 'flowtrail-test',
    brokers: [bootstrap ?? ''],
    logLevel: logLevel.NOTHING,
  });
  const es = testClient();

  beforeAll(async () => {
    expect((await runCli(['setup', '--es', inject('esUrl')])).code).toBe(0);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: topics.zeek, numPartitions: 3 },
        { topic: topics.eve, numPartitions: 2 },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
  });
  afterAll(() => es.close());

  it('writes every message once although the input is stopped and restarted mid-stream', async () => {
    const total = 2000;
    const config = testConfig({
      elasticsearch: { bulk: { flush_interval: '100ms', max_docs: 200 } },
      inputs: {
        netflow: { enabled: false },
        kafka: {
          enabled: true,
          brokers: [bootstrap],
          group_id: `flowtrail-test-${suffix}`,
          topics: [
            { topic: topics.zeek, format: 'zeek' },
            { topic: topics.eve, format: 'suricata' },
          ],
        },
      },
    });
    const ns = config.elasticsearch.namespace;
    const count = async (dataset: string) => countDocs(es, searchPattern(dataset, ns)).catch(() => 0);
    const run = () => {
      const runtime = createRuntime(config, es, quietLogger);
      const { sources } = createLogInputs(
        config,
        new LocalNetworks(config.local_networks),
        quietLogger,
        new Enrichers([]),
      );
      return { runtime, done: runtime.pipeline.run(sources) };
    };

    const producer = kafka.producer();
    await producer.connect();
    // Produced in small batches while the input runs, stops and runs again.
    const producing = (async () => {
      for (let n = 0; n < total; n += 20) {
        const batch = Array.from({ length: 20 }, (_, i) => n + i);
        await producer.send({ topic: topics.zeek, messages: batch.map((i) => ({ value: zeekConn(i) })) });
        await producer.send({ topic: topics.eve, messages: batch.map((i) => ({ value: eveAlert(i) })) });
        await sleep(100);
      }
    })();

    const first = run();
    const deadline = Date.now() + 60_000;
    while ((await count('flowtrail.flows')) === 0 && Date.now() < deadline) await sleep(200);
    first.runtime.pipeline.stop();
    await first.done;
    const afterFirst = await count('flowtrail.flows');
    expect(afterFirst).toBeGreaterThan(0);

    const second = run();
    await producing;
    await producer.disconnect();
    while (Date.now() < deadline + 60_000) {
      if ((await count('flowtrail.flows')) >= total && (await count('flowtrail.alerts')) >= total) break;
      await sleep(300);
    }
    await sleep(1000);
    second.runtime.pipeline.stop();
    await second.done;

    expect(afterFirst).toBeLessThan(total);
    expect(await count('flowtrail.flows')).toBe(total);
    expect(await count('flowtrail.alerts')).toBe(total);
    const { body } = await es.search({
      index: searchPattern('flowtrail.flows', ns),
      size: 0,
      body: { aggs: { uids: { cardinality: { field: 'flow.id', precision_threshold: 10_000 } } } },
    });
    expect(body.aggregations.uids.value).toBe(total);
  }, 240_000);
});
