import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Admin, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pacedSender } from '../../bench/sender/build.js';
import { buildPlan, encodePlan, streamAddress } from '../../bench/sender/plan.js';
import { exportStreams } from '../../bench/sender/streams.js';
import {
  type StackState,
  stackDown,
  stackUp,
  startBroker,
  startNode,
  stopBroker,
  stopNode,
} from '../../src/stack/index.js';
import { freshStackDir } from '../setup/stack.js';
import { exited, runCli, startCli } from '../support/cli.js';
import { freeUdpPort, setUpCollector, startCollector } from '../support/collector.js';
import { clientFor, type TestClient } from '../support/es.js';
import { FIXTURES } from '../support/fixtures.js';
import { describeNeeding, firstMissing, fixturesMissing, toolsMissing } from '../support/requirements.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);
const ES_PORT = 19600;
const KAFKA_PORT = 19690;
const PARTITIONS = 4;
/** Datagrams per second from each of the two senders (about 30 flows each). */
const RATE = 10;
const SEND_SECONDS = 20;

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * The whole distributed chain with real processes: two `flowtrail collect` writing to a 3-broker KRaft cluster
 * (replication factor 3, 2 in sync), two `flowtrail index` sharing its partitions, a 3-node Elasticsearch
 * behind them. Exports flow to both collectors while, in turn, a broker, an Elasticsearch node and an indexer are
 * SIGKILLed and restarted (a collector's SIGKILL and journal replay is kafka-scale-out.test.ts's: in this chain it
 * left documents over, see the README); after each fault the flows sent so far are in Elasticsearch exactly once
 * (document ids are deterministic, so a duplicate could only overwrite: the count proves none is lost), and the
 * time from the last datagram to the last document is printed as the fault's latency.
 */
describeNeeding(firstMissing(fixturesMissing(), toolsMissing('cc', 'java')))(
  '2 collectors -> 3 Kafka brokers -> 2 indexers -> 3 Elasticsearch nodes',
  () => {
    let dataDir: string;
    let state: StackState;
    let es: TestClient;
    const children: ChildProcess[] = [];
    const admins: Admin[] = [];

    beforeAll(async () => {
      dataDir = await freshStackDir('kafka-cluster');
      state = await stackUp({
        dataDir,
        nodes: 3,
        esHttpPort: ES_PORT,
        esHeapMb: 512,
        kafka: true,
        brokers: 3,
        kafkaPort: KAFKA_PORT,
        kafkaHeapMb: 256,
      });
      es = clientFor(state.elasticsearch.httpPorts.map((port) => `http://127.0.0.1:${port}`)[2]);
    }, 400_000);

    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL');
      for (const admin of admins) await admin.disconnect();
      await es?.close();
      if (dataDir) await stackDown(dataDir);
    });

    it('loses and duplicates nothing while a broker, a node and an indexer are SIGKILLed', async () => {
      const kafkaState = state.kafka;
      expect(kafkaState?.brokers).toBe(3);
      expect(new Set(kafkaState?.pids).size).toBe(3);
      const brokers = kafkaState?.bootstrap.split(',') ?? [];
      expect(brokers).toEqual([
        `127.0.0.1:${KAFKA_PORT}`,
        `127.0.0.1:${KAFKA_PORT + 2}`,
        `127.0.0.1:${KAFKA_PORT + 4}`,
      ]);

      const suffix = Date.now().toString(36);
      const topics = {
        flows: `ft-flows-${suffix}`,
        alerts: `ft-alerts-${suffix}`,
        events: `ft-events-${suffix}`,
      };
      const admin = new Kafka({ clientId: 'flowtrail-test', brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        // The collectors create their topics themselves; created here first only to know the partition count.
        await admin.createTopics({
          topics: Object.values(topics).map((topic) => ({ topic, numPartitions: PARTITIONS })),
          waitForLeaders: true,
        });
        const metadata = await admin.fetchTopicMetadata({ topics: [topics.flows] });
        for (const p of metadata.topics[0].partitions) {
          expect(p.replicas).toHaveLength(3);
          expect(p.isr).toHaveLength(3);
        }
        const config = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [
            { type: ConfigResourceTypes.TOPIC, name: topics.flows, configNames: ['min.insync.replicas'] },
          ],
        });
        expect(config.resources[0].configEntries[0].configValue).toBe('2');
      } finally {
        await admin.disconnect();
      }

      const bootstrapList = JSON.stringify(brokers);
      const nodeUrls = state.elasticsearch.httpPorts.map((port) => `http://127.0.0.1:${port}`);
      const a = await setUpCollector('kafkacluster', {
        esUrl: state.elasticsearch.url,
        extra: [
          'outputs:',
          `  kafka: { enabled: true, brokers: ${bootstrapList}, topics: ${JSON.stringify(topics)}, batch: { linger: 50ms } }`,
          `indexer: { group_id: indexers-${suffix}, session_timeout: 8s, lag_interval: 1s }`,
        ],
      });
      // Every role knows all three nodes, so that losing node 1 (whose URL a one-URL setup would name) is survived.
      writeFileSync(
        a.config,
        readFileSync(a.config, 'utf8').replace(
          `url: "${state.elasticsearch.url}"`,
          `urls: ${JSON.stringify(nodeUrls)}`,
        ),
      );
      // The second collector: the same outputs and namespace, its own NetFlow port and journal.
      const bRoot = mkdtempSync(join(tmpdir(), 'flowtrail-kafkacluster-b-'));
      const bPort = await freeUdpPort();
      const bConfig = join(bRoot, 'flowtrail.yml');
      writeFileSync(
        bConfig,
        readFileSync(a.config, 'utf8')
          .replace(`port: ${a.netflowPort}`, `port: ${bPort}`)
          .replace(`data_dir: "${a.dataDir}"`, `data_dir: "${join(bRoot, 'data')}"`),
      );
      const outputs = new Map<string, () => string>();
      /** Each role's last log lines: what it was doing while documents were late. */
      const tails = () =>
        [...outputs]
          .map(([name, output]) => `${name}: ${output().trim().split('\n').slice(-4).join(' | ')}`)
          .join('\n');
      const startIndexer = async (name: string) => {
        const started = await startCli(
          ['index', '--config', a.config, '--data-dir', join(a.root, name)],
          /kafka partitions assigned/,
        );
        children.push(started.child);
        outputs.set(name, started.output);
        return started;
      };
      const startCollecting = async (config: string) => {
        const started = await startCollector(config);
        children.push(started.child);
        outputs.set(config === a.config ? 'collector A' : 'collector B', started.output);
        // The producer connects at start, not at the first record: a fresh cluster's producer id must not delay it.
        await waitFor("the collector's Kafka producer", () =>
          /kafka producer connected/.test(started.output()),
        );
        return started.child;
      };
      const collectorA = await startCollecting(a.config);
      const collectorB = await startCollecting(bConfig);
      let indexer1 = await startIndexer('indexer-1');
      const indexer2 = await startIndexer('indexer-2');

      const streams = exportStreams(FIXTURES)
        .filter((s) => s.name === 'lab/softflowd-ipfix' || s.name === 'lab/pmacct-v9')
        .map((s) => ({ ...s, payloads: s.payloads.slice(0, 40) }));
      const planDir = mkdtempSync(join(tmpdir(), 'flowtrail-plan-'));
      let plans = 0;
      /** A plan whose exporters' addresses no earlier plan used: its documents' ids are new. */
      const freshPlan = (): string => {
        const plan = buildPlan(streams, 100_000);
        const first = plans * plan.streams.length;
        plans++;
        plan.streams = plan.streams.map((s, i) => ({ ...s, address: streamAddress(first + i) }));
        const file = join(planDir, `plan-${plans}.bin`);
        writeFileSync(file, encodePlan(plan));
        return file;
      };
      const send = async (port: number): Promise<number> => {
        const { stdout } = await run(pacedSender(), [
          freshPlan(),
          '127.0.0.1',
          String(port),
          String(RATE),
          String(SEND_SECONDS),
        ]);
        const sent = JSON.parse(stdout) as { packets: number; records: number; errors: number };
        expect(sent.errors).toBe(0);
        return sent.records;
      };

      /**
       * The count of every shard, after a refresh no copy failed: a count answered while a copy is unavailable (a
       * node away, or one stalled in GC on this loaded machine) leaves that shard out, and one read from a copy
       * whose refresh failed misses its newest documents; neither must read as a loss.
       */
      const count = async (): Promise<number> => {
        const deadline = Date.now() + 120_000;
        let last = 'no answer';
        for (;;) {
          try {
            const refreshed = (await es.indices.refresh({ index: a.index })).body as {
              _shards: { failed: number };
            };
            const { body } = await es.count({ index: a.index });
            // A refresh does not count a copy still recovering as failed: such a copy serves no search either.
            if (
              refreshed._shards.failed === 0 &&
              body._shards.failed === 0 &&
              body._shards.successful === body._shards.total
            )
              return body.count;
            last = JSON.stringify({ refresh: refreshed._shards, count: body._shards });
          } catch (err) {
            // A node that is away answers nothing: asked again.
            last = (err as Error).message;
          }
          if (Date.now() > deadline) throw new Error(`no count with every shard answering in 120 s: ${last}`);
          await sleep(500);
        }
      };
      /** Where the documents are, copy by copy: printed when a count is not what was sent. */
      const layout = async (): Promise<string> => {
        const shards = await es.transport.request({
          method: 'GET',
          path: `/_cat/shards/${a.index}?format=json&h=index,prirep,state,docs,node`,
        });
        return JSON.stringify(shards.body);
      };
      /**
       * Three reads in a row, a second apart, must agree. A replica of the embedded 7.10 cluster was seen STARTED
       * with fewer documents than its primary right after a refresh (5,388 of 7,792), catching up over seconds,
       * and a count it served read low: the claim is about where the cluster settles, and each move is printed
       * with the copies' document counts.
       */
      const settledCount = async (): Promise<number> => {
        const reads = [await count()];
        while (reads.length < 3 || new Set(reads.slice(-3)).size > 1) {
          if (reads.length >= 30)
            throw new Error(`the count never settled: ${reads.join(', ')}; ${await layout()}`);
          await sleep(1000);
          reads.push(await count());
          if (reads[reads.length - 1] !== reads[reads.length - 2])
            console.log(
              `count ${reads[reads.length - 2]} then ${reads[reads.length - 1]}: ${await layout()}`,
            );
        }
        if (new Set(reads).size > 1) console.log(`the count moved before it settled: ${reads.join(', ')}`);
        return reads[reads.length - 1];
      };
      const watcher = new Kafka({ clientId: 'flowtrail-test', brokers, logLevel: logLevel.NOTHING }).admin();
      admins.push(watcher);
      await watcher.connect();
      /** Where the flows not yet stored are: still in the collectors, or in Kafka ahead of the indexers. */
      const backlog = async (stored: number): Promise<string> => {
        try {
          const ends = await watcher.fetchTopicOffsets(topics.flows);
          const [committed] = await watcher.fetchOffsets({
            groupId: `indexers-${suffix}`,
            topics: [topics.flows],
          });
          const sum = (offsets: Array<{ offset: string }>) =>
            offsets.reduce((total, o) => total + Math.max(0, Number(o.offset)), 0);
          return `${expected} sent, ${sum(ends)} in Kafka, ${sum(committed.partitions)} committed by the indexers, ${stored} stored`;
        } catch (err) {
          return `Kafka not read (${(err as Error).message}), ${stored} stored`;
        }
      };
      let expected = 0;
      const latencies: Record<string, number> = {};
      /** Both collectors receive for SEND_SECONDS while `fault` runs beside; then every flow must arrive once. */
      const phase = async (name: string, fault: () => Promise<void>) => {
        const sending = Promise.all([send(a.netflowPort), send(bPort)]);
        await fault();
        const records = await sending;
        const sentAt = Date.now();
        expected += records[0] + records[1];
        let shownAt = 0;
        await waitFor(`${expected} flow documents after ${name}`, async () => {
          const stored = await count();
          if (stored < expected && Date.now() - shownAt >= 10_000) {
            shownAt = Date.now();
            console.log(
              `${name}, ${((shownAt - sentAt) / 1000).toFixed(0)} s after the last datagram: ${await backlog(stored)}\n${tails()}`,
            );
          }
          return stored >= expected;
        });
        latencies[name] = Date.now() - sentAt;
        await sleep(3000);
        const settled = await settledCount();
        if (settled !== expected) console.log(`after ${name}: ${settled} of ${expected}; ${await layout()}`);
        expect(settled).toBe(expected);
      };

      await phase('no fault', async () => undefined);
      await phase('Kafka broker 2 SIGKILLed and restarted', async () => {
        await sleep(5000);
        await stopBroker(dataDir, 2, { kill: true });
        const status = await runCli([
          'stack',
          'status',
          '--config',
          a.config,
          '--data-dir',
          dataDir,
          '--json',
        ]);
        expect(JSON.parse(status.stdout).kafka).toMatchObject({ status: 'degraded', brokers_up: [1, 3] });
        await sleep(3000);
        await startBroker(dataDir, 2);
      });
      await phase('Elasticsearch node 1 SIGKILLed and restarted', async () => {
        await sleep(5000);
        await stopNode(dataDir, 1, { kill: true });
        await sleep(5000);
        await startNode(dataDir, 1);
      });
      await phase('indexer SIGKILLed and restarted', async () => {
        await sleep(5000);
        indexer1.child.kill('SIGKILL');
        await exited(indexer1.child);
        await sleep(5000);
        indexer1 = await startIndexer('indexer-1');
      });
      console.log(
        `exactly ${expected} flows through every fault; last datagram to last document: ${Object.entries(
          latencies,
        )
          .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`)
          .join('; ')}`,
      );

      const status = await runCli(['stack', 'status', '--config', a.config, '--data-dir', dataDir, '--json']);
      const kafka = (
        JSON.parse(status.stdout) as {
          kafka: {
            status: string;
            brokers_up: number[];
            indexers: { lag: number; under_replicated: number };
          };
        }
      ).kafka;
      expect(kafka).toMatchObject({ status: 'up', brokers_up: [1, 2, 3] });

      const roles = {
        'collector A': collectorA,
        'collector B': collectorB,
        'indexer-1': indexer1.child,
        'indexer-2': indexer2.child,
      };
      for (const child of Object.values(roles)) child.kill('SIGTERM');
      for (const [name, child] of Object.entries(roles)) {
        const code = await Promise.race([
          exited(child),
          sleep(60_000).then(() => 'still running after 60 s'),
        ]);
        if (code !== 0) console.log(`${name} on SIGTERM: ${code}\n${tails()}`);
        expect(code).toBe(0);
      }
      expect(await settledCount()).toBe(expected);
    }, 900_000);
  },
);
