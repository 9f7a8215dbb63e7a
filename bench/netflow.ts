/**
 * NetFlow collector performance, in one run:
 *  1. single-core throughput (records/s) of softflowd's v5, v9 and IPFIX exports of the lab capture: decode only,
 *     decode + produce (FlowFacts), and the decode worker's whole path (decode, produce, map to the ECS document,
 *     serialize it);
 *  2. the zero-loss rate over loopback UDP, found by stepping the paced rate up, for the collector and for nfcapd
 *     as the peer, with the ratio and the collector's peak RSS (decode worker included; target <= 256 MB).
 *     For the collector a step is lossless when (a) every flow record sent reached the pipeline's sink as a
 *     serialized document (the pipeline is the real one, with a sink that discards), (b) the kernel dropped no
 *     datagram on the socket, (c) no datagram overflowed the collector's queue, and (d) the last document came
 *     at most `MAX_LAG_MS` after the sender stopped, so the rate is sustained rather than absorbed by the queue
 *     for the few seconds of a step. For nfcapd: every flow sent is in its files.
 * Medians of BENCH_ROUNDS runs (default 3). Needs nfcapd/nfdump (nfdump package) and the shared fixtures.
 *
 *   npm run bench:netflow
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { NetflowDecoder } from '../plugins/netflow/decode/decoder.js';
import { parsePcap } from '../plugins/netflow/pcap-file.js';
import { produce } from '../plugins/netflow/producer.js';
import { createNetflowSource } from '../plugins/netflow/source.js';
import { LAB_FLOWS } from '../plugins/netflow/testing/fixtures.js';
import { Metrics } from '../src/observability/metrics.js';
import { DeadLetterWriter } from '../src/pipeline/dead-letter.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import type { Sink } from '../src/pipeline/types.js';
import { toFlowRecord } from '../src/schema/flow.js';
import { LocalNetworks } from '../src/schema/locality.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TRIAL_SECONDS = Number(process.env.BENCH_TRIAL_SECONDS ?? 2);
/** Packets per second tried, in order, until one loses records. */
const RATES = [
  1_000, 2_000, 3_000, 4_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000, 80_000, 120_000,
  160_000, 240_000,
];
/** How long after the sender's last datagram the collector may still be writing documents (criterion d). */
const MAX_LAG_MS = 500;
const LOCAL_NETWORKS = new LocalNetworks(['10.77.0.0/24']);
const EXPORTS = { v5: 'softflowd-v5', v9: 'softflowd-v9', ipfix: 'softflowd-ipfix' } as const;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function payloadsOf(probe: string): Buffer[] {
  return parsePcap(readFileSync(join(LAB_FLOWS, `${probe}.pcap`))).datagrams.map((d) => d.payload);
}

type Stage = 'decode' | 'produce' | 'serialize';

/** Records/s over ~1 s of decoding the export again and again with templates already learnt, up to `stage`. */
function decodeRate(payloads: Buffer[], stage: Stage): number {
  const decoder = new NetflowDecoder();
  for (const p of payloads) decoder.decode(p, '192.0.2.1', 9995);
  let records = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1) {
    const now = Date.now();
    for (const p of payloads) {
      const decoded = decoder.decode(p, '192.0.2.1', 9995).records;
      if (stage === 'decode') {
        records += decoded.length;
        continue;
      }
      const flows = produce(decoded).flows;
      if (stage === 'produce') {
        records += flows.length;
        continue;
      }
      for (const facts of flows) {
        JSON.stringify(toFlowRecord(facts, { localNetworks: LOCAL_NETWORKS, now }).doc);
        records++;
      }
    }
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return records / elapsed;
}

interface Sent {
  packets: number;
  records: number;
}

function sendAt(pcap: string, port: number, rate: number): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'netflow-sender.ts'),
        pcap,
        '127.0.0.1',
        String(port),
        String(rate),
        String(TRIAL_SECONDS),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Sent) : reject(new Error(`sender ${code}`)),
    );
  });
}

let peakRss = 0;

interface Trial {
  sent: Sent;
  received: number;
  /** Collector only: what makes a step lossy besides missing records. */
  kernelDrops?: number;
  queueOverflow?: number;
  lagMs?: number;
}

/** Documents that reached the sink out of the records sent at `rate`, through the collector and the pipeline. */
async function collectorTrial(pcap: string, rate: number): Promise<Trial> {
  let written = 0;
  const sink: Sink = {
    name: 'discard',
    write: async (batch) => {
      written += batch.length;
      return { retry: [], rejected: [] };
    },
  };
  const pipeline = new Pipeline({
    sinks: [sink],
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    deadLetter: new DeadLetterWriter(mkdtempSync(join(tmpdir(), 'flowtrail-bench-dlq-'))),
    batch: { maxDocs: 2000, maxBytes: 5 * 1024 * 1024, flushIntervalMs: 100, concurrency: 2 },
    retry: { initialBackoffMs: 10, maxBackoffMs: 100 },
    maxQueuedRecords: 100_000,
  });
  let port = 0;
  let bound: () => void = () => {};
  const listening = new Promise<void>((resolve) => {
    bound = resolve;
  });
  const source = createNetflowSource(
    {
      host: '127.0.0.1',
      port: 0,
      recvBufferSize: 8 * 1024 * 1024,
      onListening: (address) => {
        port = address.port;
        bound();
      },
    },
    { localNetworks: LOCAL_NETWORKS },
  );
  const running = pipeline.run([source]);
  await listening;
  const rss = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const sent = await sendAt(pcap, port, rate);
  const sentAt = Date.now();
  // Datagrams already read but still being decoded are not lost: wait until no document came for a while.
  let received = -1;
  let changedAt = sentAt;
  while (Date.now() - changedAt < 600) {
    if (written !== received) {
      received = written;
      changedAt = Date.now();
    }
    await sleep(20);
  }
  clearInterval(rss);
  pipeline.stop();
  await running;
  const stats = source.stats();
  return {
    sent,
    received,
    kernelDrops: stats.kernelDrops ?? 0,
    queueOverflow: stats.queueOverflow,
    lagMs: Math.max(0, changedAt - sentAt),
  };
}

/** Records nfcapd stored out of those sent at `rate`. */
async function nfcapdTrial(pcap: string, rate: number, port: number): Promise<Trial> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-nfcapd-'));
  const nfcapd = spawn(
    'nfcapd',
    ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-B', String(8 * 1024 * 1024)],
    {
      stdio: 'ignore',
    },
  );
  await sleep(500);
  const sent = await sendAt(pcap, port, rate);
  await sleep(300);
  const exited = new Promise((resolve) => nfcapd.once('exit', resolve));
  nfcapd.kill('SIGTERM');
  await exited;
  const summary = execFileSync('nfdump', ['-R', dir, '-I'], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  const flows = summary.match(/^Flows:\s+(\d+)/m);
  return { sent, received: flows ? Number(flows[1]) : 0 };
}

interface ZeroLoss {
  packets: number;
  records: number;
  /** Catch-up time at that rate (collector). */
  lagMs?: number;
  /** The first lossy step and why. */
  failed?: string;
}

/** Highest rate (packets/s) without loss and the records/s it carried; 0 when even the lowest lost records. */
async function zeroLoss(trial: (rate: number) => Promise<Trial>): Promise<ZeroLoss> {
  let best: ZeroLoss = { packets: 0, records: 0 };
  for (const rate of RATES) {
    const t = await trial(rate);
    const why = [
      t.received < t.sent.records ? `${fmt(t.sent.records - t.received)} records missing` : '',
      t.kernelDrops ? `${fmt(t.kernelDrops)} kernel drops` : '',
      t.queueOverflow ? `${fmt(t.queueOverflow)} queue overflows` : '',
      t.lagMs !== undefined && t.lagMs > MAX_LAG_MS ? `${fmt(t.lagMs)} ms behind` : '',
    ].filter(Boolean);
    if (why.length > 0) return { ...best, failed: `${fmt(rate)}/s: ${why.join(', ')}` };
    best = { packets: rate, records: (t.sent.records / t.sent.packets) * rate, lagMs: t.lagMs };
  }
  return best;
}

async function main(): Promise<void> {
  console.log(`NetFlow bench: ${ROUNDS} rounds, medians (node ${process.version})\n`);
  console.log('one core, records/s     decode only    decode+produce    +map+serialize (decode worker)');
  for (const [version, probe] of Object.entries(EXPORTS)) {
    const payloads = payloadsOf(probe);
    const [only, produced, serialized] = (['decode', 'produce', 'serialize'] as const).map((stage) =>
      median(Array.from({ length: ROUNDS }, () => decodeRate(payloads, stage))),
    );
    console.log(
      `  ${version.padEnd(20)} ${fmt(only).padStart(12)}    ${fmt(produced).padStart(14)}    ${fmt(serialized).padStart(14)}`,
    );
  }

  const pcapFile = join(LAB_FLOWS, `${EXPORTS.v9}.pcap`);
  const nfcapdPort = 20_000 + (process.pid % 20_000);
  const ours: ZeroLoss[] = [];
  const theirs: ZeroLoss[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await zeroLoss((rate) => collectorTrial(pcapFile, rate)));
    theirs.push(await zeroLoss((rate) => nfcapdTrial(pcapFile, rate, nfcapdPort)));
  }
  const oursPackets = median(ours.map((r) => r.packets));
  const theirsPackets = median(theirs.map((r) => r.packets));
  console.log(`\nzero-loss rate over loopback UDP (softflowd v9, ${TRIAL_SECONDS} s per step)`);
  console.log(
    `  zero loss: every flow record a serialized document at the sink, no kernel drop, no queue overflow,\n  caught up within ${MAX_LAG_MS} ms of the sender's end (nfcapd: every flow record in its files)`,
  );
  console.log(
    `  flowtrail: ${fmt(oursPackets)} packets/s, ${fmt(median(ours.map((r) => r.records)))} records/s  (rounds: ${ours.map((r) => fmt(r.packets)).join(', ')}; catch-up ms: ${ours.map((r) => fmt(r.lagMs ?? 0)).join(', ')})`,
  );
  console.log(`    first lossy step per round: ${ours.map((r) => r.failed ?? 'none').join(' | ')}`);
  console.log(
    `  nfcapd:    ${fmt(theirsPackets)} packets/s, ${fmt(median(theirs.map((r) => r.records)))} records/s  (rounds: ${theirs.map((r) => fmt(r.packets)).join(', ')})`,
  );
  console.log(
    `  ratio flowtrail/nfcapd: ${theirsPackets > 0 ? (oursPackets / theirsPackets).toFixed(2) : 'n/a'}`,
  );
  console.log(`  collector peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MB (target <= 256 MB)`);
}

await main();
