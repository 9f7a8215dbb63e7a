/**
 * What Elasticsearch spends on a flow document: the same NetFlow records (every export in the shared fixtures:
 * the lab's softflowd/pmacct captures and the vendor captures) indexed as flowtrail's flow documents (made by
 * its decoder and document code, into the template `flowtrail setup` installs) and as Elastic's NetFlow
 * integration shapes them (bench/es-cost/integration.ts), one after the other into the same node. Prints, per
 * shape and as flowtrail/integration ratios: the node's CPU-seconds per million documents (its JVM's user+system
 * time from /proc, over the bulk load, the refresh and the merges it causes), bytes on disk per document after a
 * force-merge to one segment, and the median time of the top-senders report and of correlating an alert.
 *
 *   npm run bench:es-cost                                  # embedded ES 7.10 OSS on port 19720
 *   BENCH_ENGINE=opensearch npm run bench:es-cost          # the embedded OpenSearch 2.19 instead
 *   BENCH_DOCS=1000000 BENCH_ROUNDS=3 BENCH_QUERY_RUNS=15 npm run bench:es-cost
 *   FLOWTRAIL_ES_URL=http://… BENCH_ES_PID=<the node's JVM pid> npm run bench:es-cost
 *
 * The fixture records are replayed until there are BENCH_DOCS of them, each copy with its own sequence (so its
 * own id) and a time of its own spread over one day, in time order. Rounds alternate which shape loads first.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupElasticsearch } from '../plugins/elasticsearch/setup.js';
import { elasticsearchStore } from '../plugins/elasticsearch/store-client.js';
import { validateConfig } from '../src/config/load.js';
import { correlateAlert, correlationSettings } from '../src/correlate/correlator.js';
import type { AlertDoc } from '../src/correlate/documents.js';
import type { PipelineRecord } from '../src/pipeline/types.js';
import { runReport } from '../src/reports/run.js';
import { toAlertRecord } from '../src/schema/alert.js';
import { type FlowFacts, toFlowRecord } from '../src/schema/flow.js';
import { LocalNetworks } from '../src/schema/locality.js';
import { stackDown, stackUp } from '../src/stack/index.js';
import type { StackEngine } from '../src/stack/state.js';
import type { StoreClient } from '../src/store/client.js';
import { dailyIndexName, searchPattern } from '../src/store/naming.js';
import { clientFor, type TestClient } from '../test/support/es-client.js';
import {
  INTEGRATION_PIPELINE,
  INTEGRATION_PIPELINE_BODY,
  INTEGRATION_TEMPLATE,
  integrationDocument,
  integrationIndex,
  integrationTemplate,
} from './es-cost/integration.js';
import { cpuSeconds, jvmPid, loadAverage, mergesSettled, storeFigures } from './es-cost/node.js';
import { asIntegration, median } from './es-cost/queries.js';
import { fixtureFlows, fixturesAbsent, replayed } from './es-cost/records.js';

const DOCS = Number(process.env.BENCH_DOCS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const WARMUP_DOCS = Number(process.env.BENCH_WARMUP_DOCS ?? 20_000);
const QUERY_RUNS = Number(process.env.BENCH_QUERY_RUNS ?? 15);
const ENGINE: StackEngine = process.env.BENCH_ENGINE === 'opensearch' ? 'opensearch' : 'elasticsearch';
const BATCH = 1000;
const CONCURRENCY = 2;
const DAY = Date.parse('2026-11-20T00:00:00Z');
const SPAN_MS = 20 * 3_600_000;
const NETWORKS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
const LOCAL = new LocalNetworks(NETWORKS);

type Shape = 'flowtrail' | 'integration';
const SHAPES: Shape[] = ['flowtrail', 'integration'];

interface LoadFigures {
  cpuPerMillion: number;
  mergeCpu: number;
  seconds: number;
  bytesPerDoc: number;
  load: string;
}

interface Round {
  namespace: string;
  index: Record<Shape, string>;
  store: Record<Shape, StoreClient>;
}

function indexOf(shape: Shape, namespace: string): string {
  return shape === 'flowtrail'
    ? dailyIndexName('flowtrail.flows', namespace, new Date(DAY).toISOString())
    : integrationIndex(namespace);
}

/**
 * One `_bulk` request, over fetch: on this loaded 2-core machine a bulk can wait longer than the 30 s the client's
 * connection allows, and a retried bulk would write the integration's (id-less) documents twice.
 */
/** A request that may take longer than the client's connection allows (refresh, force-merge of a million documents). */
async function esCall(url: string, method: string, path: string): Promise<void> {
  const response = await fetch(`${url}${path}`, { method });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
}

async function bulk(url: string, lines: string[]): Promise<void> {
  const response = await fetch(`${url}/_bulk`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `${lines.join('\n')}\n`,
  });
  const result = (await response.json()) as {
    errors?: boolean;
    items?: Array<{ create: { status: number; error?: unknown } }>;
  };
  if (!response.ok) throw new Error(`bulk: HTTP ${response.status} ${JSON.stringify(result)}`);
  if (!result.errors) return;
  const failed = result.items?.find((item) => item.create.status >= 300);
  if (failed) throw new Error(`bulk: ${JSON.stringify(failed)}`);
}

/** The `i`-th document of a shape as its collector writes it: action line and document. */
function documentLines(
  shape: Shape,
  f: FlowFacts,
  index: string,
  namespace: string,
  now: number,
): [string, string] {
  if (shape === 'integration')
    return [`{"create":{"_index":${JSON.stringify(index)}}}`, integrationDocument(f, LOCAL, namespace, now)];
  const record = toFlowRecord(f, { localNetworks: LOCAL, now });
  return [`{"create":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(record.id)}}}`, record.json];
}

async function loadShape(
  client: TestClient,
  url: string,
  jvm: number,
  base: readonly FlowFacts[],
  shape: Shape,
  namespace: string,
  docs = DOCS,
): Promise<LoadFigures> {
  const index = indexOf(shape, namespace);
  const now = Date.now();
  const inFlight = new Set<Promise<void>>();
  const cpuBefore = cpuSeconds(jvm);
  const started = performance.now();
  for (let i = 0; i < docs; ) {
    const lines: string[] = [];
    for (const end = Math.min(docs, i + BATCH); i < end; i++)
      lines.push(...documentLines(shape, replayed(base, i, docs, DAY, SPAN_MS), index, namespace, now));
    const p = bulk(url, lines).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    if (i % 200_000 === 0)
      console.log(`    ${shape}: ${i} sent in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  await Promise.all(inFlight);
  await esCall(url, 'POST', `/${index}/_refresh`);
  await mergesSettled(client, index);
  const cpu = cpuSeconds(jvm) - cpuBefore;
  const seconds = (performance.now() - started) / 1000;
  const load = loadAverage();
  const mergeStarted = cpuSeconds(jvm);
  await esCall(url, 'POST', `/${index}/_forcemerge?max_num_segments=1`);
  const mergeCpu = cpuSeconds(jvm) - mergeStarted;
  const store = await storeFigures(client, index);
  if (store.docs !== docs) throw new Error(`${index} holds ${store.docs} documents, not ${docs}`);
  const figures = {
    cpuPerMillion: (cpu * 1e6) / docs,
    mergeCpu,
    seconds,
    bytesPerDoc: store.bytes / store.docs,
    load,
  };
  console.log(
    `  ${shape.padEnd(11)} ${docs} docs in ${seconds.toFixed(0)} s: ES ${cpu.toFixed(1)} CPU-s (${figures.cpuPerMillion.toFixed(1)} per million) + ${mergeCpu.toFixed(1)} CPU-s to force-merge; ${(store.bytes / 2 ** 20).toFixed(1)} MiB, ${figures.bytesPerDoc.toFixed(1)} bytes/doc; load ${load}`,
  );
  return figures;
}

/** Alerts on sampled flows of the load, as an IDS would raise them on that traffic. */
function sampleAlerts(base: readonly FlowFacts[], count: number): PipelineRecord[] {
  const alerts: PipelineRecord[] = [];
  for (let a = 0; a < count; a++) {
    const i = Math.floor(((a + 0.5) * DOCS) / count);
    const f = replayed(base, i, DOCS, DAY, SPAN_MS);
    const record = toAlertRecord(
      {
        module: 'suricata',
        action: 'alert',
        time: (f.start ?? DAY) + 5,
        rule: { id: String(2_000_000 + a), name: `bench rule ${a}` },
        severity: 2,
        protocol: f.protocol,
        sourceIp: f.sourceIp,
        destinationIp: f.destinationIp,
        sourcePort: f.sourcePort,
        destinationPort: f.destinationPort,
        identity: `bench-escost-alert:${a}`,
      },
      { localNetworks: LOCAL, now: Date.now() },
    );
    alerts.push(record);
  }
  return alerts;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function measureQueries(
  url: string,
  round: Round,
  alerts: readonly AlertDoc[],
): Promise<Record<Shape, { report: number[]; correlate: number[] }>> {
  const config = validateConfig({
    elasticsearch: { url, namespace: round.namespace },
    local_networks: NETWORKS,
  });
  const settings = correlationSettings(config);
  const out = {
    flowtrail: { report: [], correlate: [] },
    integration: { report: [], correlate: [] },
  } as Record<Shape, { report: number[]; correlate: number[] }>;
  const warmup = 3;
  for (let run = 0; run < QUERY_RUNS + warmup; run++) {
    // A different window each run, so that no run is answered from the request cache of an earlier one.
    const from = DAY + (run % 16) * 3_600_000 + run * 60_000;
    const alert = alerts[run % alerts.length];
    for (const shape of run % 2 === 0 ? SHAPES : [...SHAPES].reverse()) {
      const store = round.store[shape];
      const report = await timed(() =>
        runReport(
          store,
          config,
          'top-senders',
          { from, to: from + 4 * 3_600_000 },
          { limit: 20, interval: 'day' },
        ),
      );
      const correlate = await timed(() => correlateAlert(store, alert, settings));
      if (run >= warmup) {
        out[shape].report.push(report);
        out[shape].correlate.push(correlate);
      }
    }
  }
  return out;
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

async function main(): Promise<void> {
  const absent = fixturesAbsent();
  if (absent !== undefined) {
    console.log(`bench:es-cost ${absent}`);
    return;
  }
  const { flows: base, perFile } = fixtureFlows();
  console.log(
    `${base.length} flow records from ${Object.keys(perFile).length} fixture exports, replayed to ${DOCS} documents per shape; ${ROUNDS} round(s); load ${loadAverage()}`,
  );
  let url = process.env.FLOWTRAIL_ES_URL;
  const dataDir = join(tmpdir(), `flowtrail-bench-es-cost-${ENGINE}`);
  let pid = Number(process.env.BENCH_ES_PID);
  if (!url) {
    const state = await stackUp({ dataDir, esHttpPort: 19720, esHeapMb: 2048, engine: ENGINE });
    url = state.elasticsearch.url;
    pid = state.elasticsearch.pid;
  }
  if (!pid) throw new Error('BENCH_ES_PID: the pid of the node measured (with FLOWTRAIL_ES_URL)');
  const jvm = jvmPid(pid);
  const client = clientFor(url, 1_800_000);
  const store = elasticsearchStore(client);
  try {
    const { body: info } = await client.info();
    console.log(
      `node: ${(info as { version: { distribution?: string; number: string } }).version.distribution ?? 'elasticsearch'} ${(info as { version: { number: string } }).version.number}, JVM pid ${jvm}`,
    );
    await setupElasticsearch(client, {
      retentionMs: { flows: 3650 * 86_400_000, alerts: 3650 * 86_400_000, events: 3650 * 86_400_000 },
      version: 'bench',
    });
    await client.transport.request({
      method: 'PUT',
      path: `/_ingest/pipeline/${INTEGRATION_PIPELINE}`,
      body: INTEGRATION_PIPELINE_BODY,
    });
    await client.indices.putIndexTemplate({ name: INTEGRATION_TEMPLATE, body: integrationTemplate() });
    const alertRecords = sampleAlerts(base, 40);
    const alerts = alertRecords.map((r) => r.doc as unknown as AlertDoc);
    const loads: Record<Shape, LoadFigures[]> = { flowtrail: [], integration: [] };
    const queries: Record<Shape, { report: number[]; correlate: number[] }> = {
      flowtrail: { report: [], correlate: [] },
      integration: { report: [], correlate: [] },
    };
    // The node's JIT and caches warm on a small load of each shape first, so that neither pays for it measured.
    console.log(`warm-up (${WARMUP_DOCS} documents each, not counted):`);
    for (const shape of SHAPES) {
      await loadShape(client, url, jvm, base, shape, 'escostwarm', WARMUP_DOCS);
      await client.indices.delete({ index: indexOf(shape, 'escostwarm'), ignore_unavailable: true });
    }
    for (let r = 0; r < ROUNDS; r++) {
      const namespace = `escost${r}`;
      const index = {
        flowtrail: indexOf('flowtrail', namespace),
        integration: indexOf('integration', namespace),
      };
      await client.indices.delete({
        index: `${index.flowtrail},${index.integration},${searchPattern('flowtrail.alerts', namespace)}`,
        ignore_unavailable: true,
      });
      const round: Round = {
        namespace,
        index,
        store: {
          flowtrail: store,
          integration: asIntegration(store, searchPattern('flowtrail.flows', namespace), index.integration),
        },
      };
      console.log(`round ${r + 1}:`);
      for (const shape of r % 2 === 0 ? SHAPES : [...SHAPES].reverse())
        loads[shape].push(await loadShape(client, url, jvm, base, shape, namespace));
      // The correlator also looks for other alerts on the session: the sampled ones are stored, as a collector would.
      const alertLines = alertRecords.flatMap((r) => [
        JSON.stringify({
          create: { _index: dailyIndexName(r.dataset, namespace, r.doc['@timestamp'] as string), _id: r.id },
        }),
        JSON.stringify(r.doc),
      ]);
      await bulk(url, alertLines);
      await client.indices.refresh({ index: searchPattern('flowtrail.alerts', namespace) });
      const measured = await measureQueries(url, round, alerts);
      for (const shape of SHAPES) {
        queries[shape].report.push(...measured[shape].report);
        queries[shape].correlate.push(...measured[shape].correlate);
        console.log(
          `  ${shape.padEnd(11)} top-senders over 4 h: median ${median(measured[shape].report).toFixed(1)} ms; correlate: median ${median(measured[shape].correlate).toFixed(1)} ms (${QUERY_RUNS} runs each, alternated)`,
        );
      }
      await client.indices.delete({
        index: `${index.flowtrail},${index.integration},${searchPattern('flowtrail.alerts', namespace)}`,
        ignore_unavailable: true,
      });
    }
    const m = (shape: Shape, key: keyof Omit<LoadFigures, 'load'>) => median(loads[shape].map((l) => l[key]));
    const rows = SHAPES.map((shape) => ({
      shape,
      cpu: m(shape, 'cpuPerMillion'),
      bytes: m(shape, 'bytesPerDoc'),
      report: median(queries[shape].report),
      correlate: median(queries[shape].correlate),
    }));
    console.log(
      `\nmedians over ${ROUNDS} round(s), ${DOCS} documents per shape per round; load now ${loadAverage()}`,
    );
    console.log('shape        ES CPU-s/M docs  bytes/doc  top-senders ms  correlate ms');
    for (const row of rows)
      console.log(
        `${row.shape.padEnd(12)} ${row.cpu.toFixed(1).padStart(15)} ${row.bytes.toFixed(1).padStart(10)} ${row.report.toFixed(1).padStart(15)} ${row.correlate.toFixed(1).padStart(13)}`,
      );
    const [ft, integration] = rows;
    console.log(
      `flowtrail/integration: CPU ${ratio(ft.cpu, integration.cpu)}, bytes ${ratio(ft.bytes, integration.bytes)}, top-senders ${ratio(ft.report, integration.report)}, correlate ${ratio(ft.correlate, integration.correlate)} (target: CPU and bytes <= 0.5x)`,
    );
  } finally {
    await client.close();
    if (!process.env.FLOWTRAIL_ES_URL) await stackDown(dataDir);
  }
}

await main();
