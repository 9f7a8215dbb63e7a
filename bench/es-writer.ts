/**
 * Documents/s of flowtrail's Elasticsearch writer (pipeline + sink, serialization included) against a raw `_bulk`
 * baseline sending the same documents pre-serialized with the same batch size and concurrency, in one run,
 * alternating the two so that both see the same machine noise. Prints medians and the ratio (target >= 0.9).
 *
 *   npm run bench:es                  # provisions the embedded test node on port 19700 if needed
 *   FLOWTRAIL_ES_URL=http://… npm run bench:es
 *   BENCH_DOCS=200000 BENCH_ROUNDS=5 npm run bench:es
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createRuntime } from '../app/wiring/runtime.js';
import { setupElasticsearch } from '../plugins/elasticsearch/setup.js';
import { validateConfig } from '../src/config/load.js';
import type { PipelineRecord } from '../src/pipeline/types.js';
import { toFlowRecord } from '../src/schema/flow.js';
import { LocalNetworks } from '../src/schema/locality.js';
import { stackDown, stackUp } from '../src/stack/index.js';
import { dailyIndexName } from '../src/store/naming.js';
import { clientFor, type TestClient } from '../test/support/es-client.js';

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCH = 2000;
const CONCURRENCY = 2;

function makeRecords(n: number): PipelineRecord[] {
  const local = new LocalNetworks(['10.0.0.0/8']);
  const base = Date.parse('2026-11-21T12:00:00Z');
  return Array.from({ length: n }, (_, i) =>
    toFlowRecord(
      {
        module: 'netflow',
        action: 'netflow_flow',
        protocol: i % 4 === 0 ? 17 : 6,
        sourceIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        destinationIp: `198.51.100.${i % 250}`,
        sourcePort: 1024 + (i % 60_000),
        destinationPort: [443, 80, 53, 22][i % 4],
        bytes: 100 + (i % 100_000),
        packets: 1 + (i % 300),
        start: base + i,
        end: base + i + 1500,
        tcpFlags: 0x1b,
        observer: { ip: '192.0.2.1' },
        identity: `bench:${i}`,
        extra: { netflow: { exporter: { address: '192.0.2.1:2055', version: 9 }, flow_end_reason: 2 } },
      },
      { localNetworks: local, now: base },
    ),
  );
}

async function rawBulk(client: TestClient, records: PipelineRecord[], namespace: string): Promise<number> {
  const bodies: string[] = [];
  for (let i = 0; i < records.length; i += BATCH) {
    const lines: string[] = [];
    for (const r of records.slice(i, i + BATCH)) {
      const index = dailyIndexName(r.dataset, namespace, r.doc['@timestamp'] as string);
      lines.push(JSON.stringify({ create: { _index: index, _id: r.id } }), JSON.stringify(r.doc));
    }
    bodies.push(`${lines.join('\n')}\n`);
  }
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const { body } = await client.bulk({ body: bodies[next++] });
        if ((body as { errors: boolean }).errors) throw new Error('baseline bulk reported errors');
      }
    }),
  );
  return records.length / ((performance.now() - started) / 1000);
}

async function flowtrailWriter(
  client: TestClient,
  records: PipelineRecord[],
  namespace: string,
  url: string,
): Promise<number> {
  const config = validateConfig({
    elasticsearch: {
      url,
      namespace,
      bulk: { max_docs: BATCH, max_bytes: '50mb', flush_interval: '200ms', concurrency: CONCURRENCY },
    },
    stack: { data_dir: mkdtempSync(join(tmpdir(), 'flowtrail-bench-')) },
    queue: { max_records: 20_000 },
  });
  const { pipeline, metrics } = createRuntime(config, client, pino({ level: 'warn' }));
  await pipeline.start();
  const started = performance.now();
  for (let i = 0; i < records.length; i += 5000) await pipeline.emit('bench', records.slice(i, i + 5000));
  await pipeline.finish();
  const seconds = (performance.now() - started) / 1000;
  const written = (await metrics.recordsOut.get()).values.reduce((s, v) => s + v.value, 0);
  if (written !== records.length) throw new Error(`flowtrail wrote ${written} of ${records.length}`);
  return records.length / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  let url = process.env.FLOWTRAIL_ES_URL;
  let dataDir: string | undefined;
  if (!url) {
    dataDir = mkdtempSync(join(tmpdir(), 'flowtrail-bench-stack-'));
    url = (await stackUp({ dataDir, esHttpPort: 19700, esHeapMb: 1024 })).elasticsearch.url;
  }
  const client = clientFor(url, 120_000);
  try {
    await setupElasticsearch(client, {
      retentionMs: { flows: 3650 * 86_400_000, alerts: 3650 * 86_400_000, events: 3650 * 86_400_000 },
      version: 'bench',
    });
    const records = makeRecords(DOCS);
    // One unmeasured round of each warms the JIT and the node's caches so round 1 is not an outlier.
    const warm = records.slice(0, Math.min(20_000, DOCS));
    await rawBulk(client, warm, 'bwarmraw');
    await flowtrailWriter(client, warm, 'bwarmft', url);
    await client.indices.delete({ index: 'logs-flowtrail.flows-bwarm*' });
    const raw: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const tag = `${Date.now().toString(36)}r${round}`;
      const order = round % 2 === 0 ? ['raw', 'ours'] : ['ours', 'raw'];
      for (const which of order) {
        if (which === 'raw') raw.push(await rawBulk(client, records, `braw${tag}`));
        else ours.push(await flowtrailWriter(client, records, `bft${tag}`, url));
      }
      await client.indices.delete({ index: `logs-flowtrail.flows-b*${tag}*` });
      console.log(
        `round ${round + 1}: raw _bulk ${raw[round].toFixed(0)} docs/s, flowtrail ${ours[round].toFixed(0)} docs/s`,
      );
    }
    const ratio = median(ours) / median(raw);
    const pairedRatio = median(ours.map((value, i) => value / raw[i]));
    console.log(
      `\nbench:es  docs=${DOCS} batch=${BATCH} concurrency=${CONCURRENCY} rounds=${ROUNDS}\n` +
        `  raw _bulk (pre-serialized): median ${median(raw).toFixed(0)} docs/s\n` +
        `  flowtrail writer:           median ${median(ours).toFixed(0)} docs/s\n` +
        `  ratio of medians flowtrail/raw: ${ratio.toFixed(3)}; median of per-round ratios: ${pairedRatio.toFixed(3)} (target >= 0.9)`,
    );
  } finally {
    await client.close();
    if (dataDir) await stackDown(dataDir);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
