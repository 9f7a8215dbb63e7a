import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, expect, inject, it } from 'vitest';
import { pacedSender } from '../../bench/sender/build.js';
import { buildPlan, encodePlan } from '../../bench/sender/plan.js';
import { exportStreams } from '../../bench/sender/streams.js';
import { stackPaths } from '../../src/stack/index.js';
import { readState } from '../../src/stack/state.js';
import { exited, runCli, startCli } from '../support/cli.js';
import { setUpCollector, startCollector } from '../support/collector.js';
import { countDocs, testClient } from '../support/es.js';
import { FIXTURES } from '../support/fixtures.js';
import { describeNeeding, firstMissing, fixturesMissing, toolsMissing } from '../support/requirements.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);
const bootstrap = inject('kafkaBootstrap');
const stackDir = inject('stackDataDir');
const LOOPS = 4;
const PARTITIONS = 4;

interface Indexer {
  child: ChildProcess;
  output: () => string;
  /** Where it serves /metrics, as its start-up line names it. */
  metricsUrl: string;
}

const assignments = (indexer: Indexer) => indexer.output().match(/kafka partitions assigned/g)?.length ?? 0;

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * The scale-out topology with real processes: `flowtrail collect` writing to Kafka, two `flowtrail index` sharing
 * its partitions, Elasticsearch behind them. The lab exports, replayed with new sequence numbers and times every
 * loop, must arrive exactly once through a collector crash (its journal replays what Kafka had not acknowledged)
 * and an indexer crash (its partitions move to the other indexer and what it had not committed is read again).
 */
describeNeeding(
  firstMissing(
    bootstrap === null ? 'Kafka (the test stack starts it unless FLOWTRAIL_TEST_KAFKA=0)' : undefined,
    stackDir === null
      ? 'the test stack (FLOWTRAIL_ES_URL points elsewhere: its Kafka cannot be paused)'
      : undefined,
    fixturesMissing(),
    toolsMissing('cc'),
  ),
)('collectors and indexers decoupled by Kafka', () => {
  const es = testClient();
  const children: ChildProcess[] = [];
  let kafkaPid: number | undefined;
  afterAll(async () => {
    if (kafkaPid !== undefined) process.kill(kafkaPid, 'SIGCONT');
    for (const child of children) child.kill('SIGKILL');
    await es.close();
  });

  it('indexes every flow exactly once while the collector and an indexer are SIGKILLed and restarted', async () => {
    const suffix = Date.now().toString(36);
    const topics = {
      flows: `ft-flows-${suffix}`,
      alerts: `ft-alerts-${suffix}`,
      events: `ft-events-${suffix}`,
    };
    const kafka = new Kafka({
      clientId: 'flowtrail-test',
      brokers: [bootstrap ?? ''],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    const state = await readState(stackPaths(stackDir ?? '').stateFile);
    kafkaPid = state?.kafka?.pid;
    expect(kafkaPid).toBeGreaterThan(0);

    const { config, index, root, netflowPort } = await setUpCollector('kafkascale', {
      esUrl: inject('esUrl'),
      extra: [
        'outputs:',
        `  kafka: { enabled: true, brokers: ["${bootstrap}"], topics: ${JSON.stringify(topics)}, batch: { linger: 50ms } }`,
        `indexer: { group_id: indexers-${suffix}, session_timeout: 8s, lag_interval: 1s }`,
      ],
    });
    const startIndexer = async (name: string): Promise<Indexer> => {
      const started = await startCli(
        ['index', '--config', config, '--data-dir', join(root, name)],
        /kafka partitions assigned/,
      );
      children.push(started.child);
      const metricsUrl = started.output().match(/"metrics":"(http:[^"]+)"/)?.[1] ?? '';
      return { ...started, metricsUrl };
    };
    const startCollecting = async () => {
      const started = await startCollector(config);
      children.push(started.child);
      return started.child;
    };

    let collector = await startCollecting();
    let first = await startIndexer('indexer-a');
    const second = await startIndexer('indexer-b');
    // The first indexer gives up half its partitions when the second joins.
    await waitFor('the group to share the partitions', () => assignments(first) >= 2);

    // Two of the lab's exports, their first 40 datagrams each (templates first), replayed LOOPS times.
    const streams = exportStreams(FIXTURES)
      .filter((s) => s.name === 'lab/softflowd-ipfix' || s.name === 'lab/pmacct-v9')
      .map((s) => ({ ...s, payloads: s.payloads.slice(0, 40) }));
    const plan = buildPlan(streams, 100_000);
    const planFile = join(mkdtempSync(join(tmpdir(), 'flowtrail-plan-')), 'plan.bin');
    writeFileSync(planFile, encodePlan(plan));

    // Kafka stops answering (SIGSTOP) while the exports arrive: the collector takes them into its journal and
    // cannot have them acknowledged, then dies.
    process.kill(kafkaPid as number, 'SIGSTOP');
    const sent = JSON.parse(
      (
        await run(pacedSender(), [
          planFile,
          '127.0.0.1',
          String(netflowPort),
          '2000',
          '0',
          String(LOOPS * plan.datagrams.length),
        ])
      ).stdout,
    ) as { packets: number; records: number; errors: number };
    expect(sent).toMatchObject({ packets: LOOPS * plan.datagrams.length, errors: 0 });
    const expected = sent.records;
    expect(expected).toBeGreaterThan(5000);
    await sleep(1500);
    collector.kill('SIGKILL');
    await exited(collector);
    process.kill(kafkaPid as number, 'SIGCONT');
    expect(await countDocs(es, index).catch(() => 0)).toBe(0);

    // Restarted, the collector replays its journal into Kafka; the indexers write it to Elasticsearch.
    collector = await startCollecting();
    await waitFor(
      'the first flows to be indexed',
      async () => (await countDocs(es, index).catch(() => 0)) > 0,
    );
    const beforeKill = await countDocs(es, index);
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(beforeKill).toBeLessThan(expected);
    // Once the group gives up on the dead indexer, its partitions move to the other.
    const secondBefore = assignments(second);
    await waitFor('the partitions to move', () => assignments(second) > secondBefore, 60_000);
    first = await startIndexer('indexer-a');

    await waitFor(
      `${expected} flow documents`,
      async () => (await countDocs(es, index).catch(() => 0)) >= expected,
      400_000,
    );
    // Time for anything read twice (the journal's replay, the dead indexer's uncommitted batches) to land too.
    await sleep(3000);
    expect(await countDocs(es, index)).toBe(expected);

    // Everything written was committed: no partition of either indexer lags behind.
    await waitFor('the lag to reach zero', async () => {
      const lags = await Promise.all(
        [first, second].map(async ({ metricsUrl }) => {
          const text = await (await fetch(metricsUrl)).text();
          return [...text.matchAll(/^flowtrail_kafka_consumer_lag\{[^}]*\} (\d+)$/gm)].map((m) =>
            Number(m[1]),
          );
        }),
      );
      return lags.every((series) => series.length > 0) && lags.flat().every((lag) => lag === 0);
    });
    const metrics = await (await fetch(second.metricsUrl)).text();
    expect(metrics).toMatch(/^flowtrail_kafka_rebalances_total [2-9]/m);
    expect(metrics).toMatch(
      new RegExp(`^flowtrail_kafka_consumed_records_total\\{topic="${topics.flows}"\\} [1-9]`, 'm'),
    );

    // `stack status` reads the same lag from the broker, for the group of the configuration.
    const status = await runCli([
      'stack',
      'status',
      '--config',
      config,
      '--data-dir',
      stackDir ?? '',
      '--json',
    ]);
    expect(status.code).toBe(0);
    const indexers = (
      JSON.parse(status.stdout) as { kafka: { indexers: { lag: number; partitions: unknown[] } } }
    ).kafka.indexers;
    expect(indexers).toMatchObject({ lag: 0 });
    expect(indexers.partitions).toHaveLength(3 * PARTITIONS);

    for (const child of [collector, first.child, second.child]) child.kill('SIGTERM');
    for (const child of [collector, first.child, second.child]) expect(await exited(child)).toBe(0);
    expect(await countDocs(es, index)).toBe(expected);
  }, 600_000);
});
