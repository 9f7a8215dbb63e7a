/**
 * Records/s from Kafka into Elasticsearch through `flowtrail index` (1 and 2 indexers in one consumer group)
 * against the direct path a collector takes (the same records through the same Elasticsearch writer, no Kafka),
 * and against Kafka's own console consumer reading the same topic (the Kafka read ceiling), in one run with the
 * paths' order rotated every round. Prints medians, ratios, and CPU-seconds per million records of the writing
 * processes and of the Elasticsearch node.
 *
 *   npm run bench:kafka                      # embedded ES (port 19730) and Kafka broker (19792), kept in $TMPDIR
 *   BENCH_RECORDS=300000 BENCH_ROUNDS=3 BENCH_PARTITIONS=4 npm run bench:kafka
 *
 * The records are the flows of every export in the shared fixtures, replayed with identities of their own; the
 * topic is filled once by the collector's Kafka output (its rate is printed too) and read again by every run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { createKafkaRuntime, createRuntime } from '../app/wiring/runtime.js';
import { setupElasticsearch } from '../plugins/elasticsearch/setup.js';
import { validateConfig } from '../src/config/load.js';
import type { PipelineRecord } from '../src/pipeline/types.js';
import { toFlowRecord } from '../src/schema/flow.js';
import { LocalNetworks } from '../src/schema/locality.js';
import { jdkTool } from '../src/stack/exec.js';
import { stackDown, stackPaths, stackUp } from '../src/stack/index.js';
import { resolveClasspath } from '../src/stack/maven.js';
import { searchPattern } from '../src/store/naming.js';
import { exited, startCli } from '../test/support/cli.js';
import { clientFor, type TestClient } from '../test/support/es-client.js';
import { cpuSeconds, jvmPid, loadAverage } from './es-cost/node.js';
import { median } from './es-cost/queries.js';
import { fixtureFlows, fixturesAbsent, replayed } from './es-cost/records.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 4);
const ES_PORT = 19730;
const KAFKA_PORT = 19792;
const DAY = Date.parse('2026-11-20T00:00:00Z');
const SPAN_MS = 20 * 3_600_000;
const BULK = { max_docs: 2000, max_bytes: '8mb', flush_interval: '200ms', concurrency: 2 };
const logger = pino({ level: 'warn' });

type Path = 'direct' | 'indexers-1' | 'indexers-2' | 'console';
const PATHS: Path[] = ['direct', 'indexers-1', 'indexers-2', 'console'];
const LABEL: Record<Path, string> = {
  direct: 'collector -> Elasticsearch (no Kafka)',
  'indexers-1': 'Kafka -> 1 indexer -> Elasticsearch',
  'indexers-2': 'Kafka -> 2 indexers -> Elasticsearch',
  console: 'kafka-console-consumer (read only)',
};

interface Measured {
  perSecond: number;
  /** CPU-seconds of the reading/writing processes per million records. */
  cpuPerMillion: number;
  /** CPU-seconds of the Elasticsearch node per million records; undefined where nothing is indexed. */
  esCpuPerMillion?: number;
}

interface Bench {
  url: string;
  client: TestClient;
  esPid: number;
  brokers: string[];
  topic: string;
  records: PipelineRecord[];
  consoleClasspath: string;
}

function flowRecords(): PipelineRecord[] {
  const base = fixtureFlows().flows;
  const local = new LocalNetworks(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  const now = Date.now();
  return Array.from({ length: RECORDS }, (_, i) =>
    toFlowRecord(replayed(base, i, RECORDS, DAY, SPAN_MS), { localNetworks: local, now }),
  );
}

async function emitAll(
  runtime: { pipeline: { start(): Promise<void>; emit(s: string, r: PipelineRecord[]): Promise<void> } },
  records: PipelineRecord[],
) {
  await runtime.pipeline.start();
  for (let i = 0; i < records.length; i += 5000)
    await runtime.pipeline.emit('bench', records.slice(i, i + 5000));
}

/** The collector's Kafka output fills the topic once; every run reads it again. */
async function fillTopic(bench: Bench): Promise<number> {
  const config = validateConfig({
    stack: { data_dir: mkdtempSync(join(tmpdir(), 'flowtrail-bench-kafka-')) },
    outputs: {
      kafka: {
        enabled: true,
        brokers: bench.brokers,
        topics: { flows: bench.topic, alerts: `${bench.topic}-alerts`, events: `${bench.topic}-events` },
        partitions: PARTITIONS,
      },
    },
  });
  const runtime = createKafkaRuntime(config, logger);
  const started = performance.now();
  await emitAll(runtime, bench.records);
  await runtime.pipeline.finish();
  return bench.records.length / ((performance.now() - started) / 1000);
}

async function indexedCount(client: TestClient, namespace: string): Promise<number> {
  const index = searchPattern('flowtrail.flows', namespace);
  await client.indices.refresh({ index });
  return (await client.count({ index })).body.count;
}

async function direct(bench: Bench, namespace: string): Promise<Measured> {
  const config = validateConfig({
    elasticsearch: { url: bench.url, namespace, bulk: BULK },
    stack: { data_dir: mkdtempSync(join(tmpdir(), 'flowtrail-bench-kafka-')) },
    queue: { max_records: 20_000 },
  });
  const runtime = createRuntime(config, bench.client, logger);
  const es = cpuSeconds(bench.esPid);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await emitAll(runtime, bench.records);
  await runtime.pipeline.finish();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const written = await indexedCount(bench.client, namespace);
  if (written !== bench.records.length)
    throw new Error(`direct path wrote ${written} of ${bench.records.length}`);
  return {
    perSecond: bench.records.length / seconds,
    cpuPerMillion: ((used.user + used.system) / 1e6 / bench.records.length) * 1e6,
    esCpuPerMillion: ((cpuSeconds(bench.esPid) - es) / bench.records.length) * 1e6,
  };
}

async function recordsOut(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const found = text.match(/^flowtrail_records_out_total\{[^}]*plugin="elasticsearch"[^}]*\} (\d+)/m);
  return found ? Number(found[1]) : 0;
}

/** `count` indexers of a new group read the whole topic into a namespace of their own. */
async function indexers(bench: Bench, namespace: string, count: number): Promise<Measured> {
  const root = mkdtempSync(join(tmpdir(), 'flowtrail-bench-indexer-'));
  const config = join(root, 'flowtrail.yml');
  writeFileSync(
    config,
    JSON.stringify({
      elasticsearch: { url: bench.url, namespace, bulk: BULK },
      stack: { data_dir: root },
      metrics: { host: '127.0.0.1', port: 0 },
      outputs: {
        kafka: {
          brokers: bench.brokers,
          topics: { flows: bench.topic, alerts: `${bench.topic}-alerts`, events: `${bench.topic}-events` },
        },
      },
      indexer: { group_id: `bench-${namespace}`, from_beginning: true, lag_interval: '1s' },
    }),
  );
  const es = cpuSeconds(bench.esPid);
  const children: Array<{ child: ChildProcess; metricsUrl: string }> = [];
  let started = 0;
  let cpuAtStart = 0;
  try {
    const starting = Array.from({ length: count }, (_, i) =>
      startCli(
        ['index', '--config', config, '--data-dir', join(root, `indexer-${i}`)],
        /kafka partitions assigned/,
      ),
    );
    // The clock starts at the first assignment: from then on records flow, the second joining included.
    for (const each of await Promise.all(starting)) {
      const metricsUrl = each.output().match(/"metrics":"(http:[^"]+)"/)?.[1];
      if (!metricsUrl) throw new Error(`an indexer did not say where its metrics are:\n${each.output()}`);
      children.push({ child: each.child, metricsUrl });
    }
    started = performance.now();
    cpuAtStart = children.reduce((sum, c) => sum + cpuSeconds(c.child.pid ?? 0), 0);
    for (;;) {
      const out = (await Promise.all(children.map((c) => recordsOut(c.metricsUrl)))).reduce(
        (a, b) => a + b,
        0,
      );
      if (out >= bench.records.length) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (err) {
    for (const c of children) c.child.kill('SIGKILL');
    throw err;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = children.reduce((sum, c) => sum + cpuSeconds(c.child.pid ?? 0), 0) - cpuAtStart;
  const esCpu = cpuSeconds(bench.esPid) - es;
  for (const c of children) c.child.kill('SIGTERM');
  for (const c of children) await exited(c.child);
  const written = await indexedCount(bench.client, namespace);
  if (written !== bench.records.length)
    throw new Error(`${count} indexer(s) wrote ${written} of ${bench.records.length}`);
  return {
    perSecond: bench.records.length / seconds,
    cpuPerMillion: (cpu / bench.records.length) * 1e6,
    esCpuPerMillion: (esCpu / bench.records.length) * 1e6,
  };
}

/** Kafka's console consumer reading the whole topic; timed from its first record, so the JVM's start is left out. */
async function consoleConsumer(bench: Bench): Promise<Measured> {
  const child = spawn(
    jdkTool('java'),
    [
      '-Xmx512m',
      '-cp',
      bench.consoleClasspath,
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      '--bootstrap-server',
      bench.brokers.join(','),
      '--topic',
      bench.topic,
      '--from-beginning',
      '--max-messages',
      String(bench.records.length),
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let lines = 0;
  let first = 0;
  let cpuAtFirst = 0;
  let cpuAtEnd = 0;
  for await (const _ of createInterface({ input: child.stdout })) {
    if (lines++ === 0) {
      first = performance.now();
      cpuAtFirst = cpuSeconds(child.pid ?? 0);
    }
    if (lines === bench.records.length) cpuAtEnd = cpuSeconds(child.pid ?? 0);
  }
  const seconds = (performance.now() - first) / 1000;
  const code = await exited(child);
  if (lines !== bench.records.length || code !== 0)
    throw new Error(`the console consumer read ${lines} of ${bench.records.length} records (exit ${code})`);
  return { perSecond: lines / seconds, cpuPerMillion: ((cpuAtEnd - cpuAtFirst) / lines) * 1e6 };
}

async function measure(bench: Bench, path: Path, namespace: string): Promise<Measured> {
  try {
    if (path === 'direct') return await direct(bench, namespace);
    if (path === 'console') return await consoleConsumer(bench);
    return await indexers(bench, namespace, path === 'indexers-1' ? 1 : 2);
  } finally {
    if (path !== 'console')
      await bench.client.indices.delete(
        { index: searchPattern('flowtrail.flows', namespace) },
        { ignore: [404] },
      );
  }
}

const fixed = (n: number | undefined, digits = 0) =>
  n === undefined ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits });

async function main(): Promise<void> {
  const absent = fixturesAbsent();
  if (absent) throw new Error(`bench:kafka ${absent}`);
  const dataDir = join(tmpdir(), 'flowtrail-bench-kafka');
  const state = await stackUp({
    dataDir,
    esHttpPort: ES_PORT,
    esHeapMb: 1024,
    kafka: true,
    kafkaPort: KAFKA_PORT,
    kafkaHeapMb: 512,
  });
  const client = clientFor(state.elasticsearch.url, 120_000);
  try {
    await setupElasticsearch(client, {
      retentionMs: { flows: 3650 * 86_400_000, alerts: 3650 * 86_400_000, events: 3650 * 86_400_000 },
      version: 'bench',
    });
    const bench: Bench = {
      url: state.elasticsearch.url,
      client,
      esPid: jvmPid(state.elasticsearch.pid),
      brokers: state.kafka?.bootstrap.split(',') ?? [],
      topic: `bench-flows-${Date.now().toString(36)}`,
      records: flowRecords(),
      consoleClasspath: await resolveClasspath(
        join(import.meta.dirname, 'kafka', 'console-pom.xml'),
        stackPaths(dataDir).cacheDir,
      ),
    };
    const produced = await fillTopic(bench);
    console.log(
      `${fixed(bench.records.length)} flow records (${PARTITIONS} partitions) written to Kafka by the collector's output at ${fixed(produced)} records/s; load ${loadAverage()}`,
    );
    const results = new Map<Path, Measured[]>(PATHS.map((p) => [p, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = PATHS.map((_, i) => PATHS[(i + round) % PATHS.length]);
      for (const path of order) {
        const measured = await measure(bench, path, `bk${Date.now().toString(36)}${round}`);
        results.get(path)?.push(measured);
        console.log(
          `round ${round + 1}: ${LABEL[path]}: ${fixed(measured.perSecond)} records/s, ${fixed(measured.cpuPerMillion, 1)} CPU-s per million (Elasticsearch ${fixed(measured.esCpuPerMillion, 1)})`,
        );
      }
    }
    const med = (path: Path, key: keyof Measured) => {
      const values = (results.get(path) ?? []).map((m) => m[key]).filter((v): v is number => v !== undefined);
      return values.length > 0 ? median(values) : undefined;
    };
    console.log(`\nmedians of ${ROUNDS} round(s), load ${loadAverage()}:`);
    for (const path of PATHS)
      console.log(
        `  ${LABEL[path].padEnd(40)} ${fixed(med(path, 'perSecond')).padStart(9)} records/s  ${fixed(med(path, 'cpuPerMillion'), 1).padStart(6)} CPU-s/M  Elasticsearch ${fixed(med(path, 'esCpuPerMillion'), 1).padStart(6)} CPU-s/M`,
      );
    const ratio = (a: Path, b: Path) => ((med(a, 'perSecond') ?? 0) / (med(b, 'perSecond') ?? 1)).toFixed(2);
    console.log(
      `ratios: 2 indexers / 1 indexer ${ratio('indexers-2', 'indexers-1')}; 1 indexer / direct ${ratio('indexers-1', 'direct')}; 2 indexers / direct ${ratio('indexers-2', 'direct')}; 2 indexers / console consumer ${ratio('indexers-2', 'console')}`,
    );
  } finally {
    await client.close();
    await stackDown(dataDir);
  }
}

await main();
