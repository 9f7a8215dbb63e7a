/**
 * NetFlow collector performance, in one run:
 *  1. single-core throughput (records/s) of softflowd's v5, v9 and IPFIX exports of the lab capture: decode only,
 *     decode + produce (FlowFacts), and the decode worker's whole path (decode, produce, map to the ECS document,
 *     serialize it), and that path with enrichment off and on (bench/netflow-enrichment.ts);
 *  2. the zero-loss rate over loopback UDP, found by stepping the paced rate up, for the collector and for nfcapd
 *     as the peer (a step's rate is what the sender achieved, which near the top can be less than it was asked for), with the ratio and the peak RSS of the collector's process (VmHWM; target <= 256 MB).
 *     The collector runs as `collect` runs it: with its datagram journal on disk and the real pipeline (its sink
 *     discards). A step is lossless when the kernel dropped no datagram on the socket, no datagram overflowed the
 *     collector's bounds, and every datagram sent was read: each is then decoded or waits in the journal, as
 *     nfcapd's records wait in its files. nfcapd's step is lossless when every flow sent is in its files.
 *     Two more figures say how much of that is decoded as it comes:
 *     - while no backlog has formed yet, each step also waits until every flow record sent reached the sink as a
 *       serialized document, which checks the whole path end to end;
 *     - the sustained rate is the highest step whose last document came at most `MAX_LAG_MS` after the sender
 *       stopped, i.e. decoding kept up without the journal. Above it, steps stop without draining the journal.
 * Medians of BENCH_ROUNDS runs (default 3). Needs nfcapd/nfdump (nfdump package) and the shared fixtures.
 *
 *   npm run bench:netflow
 */
import { type ChildProcessByStdio, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { NetflowDecoder } from '../plugins/netflow/decode/decoder.js';
import { parsePcap } from '../plugins/netflow/pcap-file.js';
import { produce } from '../plugins/netflow/producer.js';
import { toFlowRecord } from '../src/schema/flow.js';
import { LocalNetworks } from '../src/schema/locality.js';
import { LAB_FLOWS } from '../test/support/netflow/fixtures.js';
import type { CollectorReport } from './netflow-collector.js';
import { enrichmentBench } from './netflow-enrichment.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TRIAL_SECONDS = Number(process.env.BENCH_TRIAL_SECONDS ?? 2);
/** Packets per second tried, in order, until one loses records. */
const RATES = [
  1_000, 2_000, 3_000, 4_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 40_000, 60_000, 80_000, 100_000,
  120_000, 140_000, 160_000, 200_000, 240_000, 280_000, 320_000,
];
/** How long after the sender's last datagram the collector may still be writing documents to count as keeping up. */
const MAX_LAG_MS = 500;
/** Draining a backlog this slow says enough: the sustained rate is below this step. */
const MAX_DRAIN_MS = 60_000;
const LOCAL_NETWORKS = new LocalNetworks(['10.77.0.0/24']);
/** Built by `npm run build`, which `npm run bench:netflow` runs first. */
const COLLECTOR = join(import.meta.dirname, '..', 'dist', 'bench', 'netflow-collector.js');
const EXPORTS = { v5: 'softflowd-v5', v9: 'softflowd-v9', ipfix: 'softflowd-ipfix' } as const;
/**
 * The socket receive buffer both collectors ask for: 8 MiB as `collect` does, but no more than
 * net.core.rmem_max, which caps nfcapd's request while a privileged flowtrail would get it all.
 */
const RECEIVE_BUFFER = Math.min(8 * 1024 * 1024, Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8')));
/** The node flags on the `#!` line of bin/flowtrail.js. */
const CLI_V8_FLAGS = readFileSync(join(import.meta.dirname, '..', 'bin', 'flowtrail.js'), 'utf8')
  .split('\n')[0]
  .split(/\s+/)
  .filter((word) => word.startsWith('--'));
/** What reads the collector's socket (`inputs.netflow.receiver`). */
const RECEIVER = process.env.BENCH_NETFLOW_RECEIVER ?? 'auto';

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
  let sink = 0;
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
        // What the decode worker hands to the pipeline: the document's JSON, made by the mapping itself.
        sink += toFlowRecord(facts, { localNetworks: LOCAL_NETWORKS, now }).json.length;
        records++;
      }
    }
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  if (sink < 0) throw new Error('unreachable: keeps the documents from being optimised away');
  return records / elapsed;
}

interface Sent {
  packets: number;
  records: number;
  /** How long the data packets took to go out. */
  seconds: number;
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
/** What read the collector's socket in its steps. */
const readers = new Set<string>();

interface Trial {
  sent: Sent;
  /** nfcapd: flow records in its files. Collector: datagrams read from the socket. */
  received: number;
  /** Collector only: what makes a step lossy besides missing datagrams. */
  kernelDrops?: number;
  queueOverflow?: number;
  /** Collector steps that drained: documents at the sink, and how long after the sender's end the last came. */
  documents?: number;
  lagMs?: number;
}

/** The collector process of one step (bench/netflow-collector.ts, compiled), asked for its figures over stdin. */
class CollectorProcess {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  private readonly lines: AsyncIterator<string>;

  constructor(journalDir: string) {
    // With the V8 flags of bin/flowtrail.js's shebang, as `flowtrail collect` runs.
    this.child = spawn(
      process.execPath,
      [...CLI_V8_FLAGS, COLLECTOR, journalDir, String(RECEIVE_BUFFER), RECEIVER],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    this.lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  private async line<T>(): Promise<T> {
    const next = await this.lines.next();
    if (next.done) throw new Error('bench collector exited');
    return JSON.parse(next.value) as T;
  }

  async listening(): Promise<{ port: number; reader: string }> {
    return this.line<{ port: number; reader: string }>();
  }

  ask(command: 'stats' | 'stop'): Promise<CollectorReport> {
    this.child.stdin.write(`${command}\n`);
    return this.line<CollectorReport>();
  }
}

/**
 * The collector at `rate`: datagrams it read, and with `drain`, the documents that reached the sink once every
 * datagram read is decoded (at most `MAX_DRAIN_MS`). Without, it still runs a second after the sender's end,
 * decoding its backlog, so that the peak RSS covers that too.
 */
async function collectorTrial(pcap: string, rate: number, drain: boolean): Promise<Trial> {
  const journalDir = mkdtempSync(join(tmpdir(), 'flowtrail-bench-journal-'));
  const collector = new CollectorProcess(journalDir);
  const listening = await collector.listening();
  readers.add(listening.reader);
  const sent = await sendAt(pcap, listening.port, rate);
  const sentAt = Date.now();
  let documents: number | undefined;
  let lagMs: number | undefined;
  if (drain) {
    // Done once every datagram read is decoded and no document came for a while.
    let seen = -1;
    let changedAt = sentAt;
    for (;;) {
      const r = await collector.ask('stats');
      if (r.written !== seen) {
        seen = r.written;
        changedAt = Date.now();
      }
      const settled = r.decodedPackets + r.queueOverflow >= r.received && r.journalBytes === 0;
      if ((settled && Date.now() - changedAt >= 300) || Date.now() - sentAt >= MAX_DRAIN_MS) break;
      await sleep(20);
    }
    documents = seen;
    lagMs = Math.max(0, changedAt - sentAt);
  } else {
    await sleep(1000);
  }
  const final = await collector.ask('stop');
  peakRss = Math.max(peakRss, final.peakRss);
  rmSync(journalDir, { recursive: true, force: true });
  return {
    sent,
    received: final.received,
    kernelDrops: final.kernelDrops,
    queueOverflow: final.queueOverflow,
    documents,
    lagMs,
  };
}

/** Records nfcapd stored out of those sent at `rate`. */
async function nfcapdTrial(pcap: string, rate: number, port: number): Promise<Trial> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-nfcapd-'));
  const nfcapd = spawn(
    'nfcapd',
    ['-b', '127.0.0.1', '-p', String(port), '-w', dir, '-B', String(RECEIVE_BUFFER)],
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
  /** Achieved by the sender at the best lossless step. */
  packets: number;
  records: number;
  /** The rate asked of the sender at the highest lossless step. */
  offered: number;
  /** The first lossy step and why. */
  failed?: string;
}

interface CollectorZeroLoss extends ZeroLoss {
  /** Highest step decoded as it came (see the header), packets/s and records/s. */
  sustainedPackets: number;
  sustainedRecords: number;
}

const recordsAt = (t: Trial, rate: number) => (t.sent.records / t.sent.packets) * rate;
/** The rate a step really offered: the sender falls short of the one asked for when it cannot keep up. */
const achieved = (t: Trial, rate: number) => Math.min(rate, t.sent.packets / t.sent.seconds);

/** nfcapd: highest rate (packets/s) at which every flow sent is in its files, and the records/s it carried. */
async function nfcapdZeroLoss(trial: (rate: number) => Promise<Trial>): Promise<ZeroLoss> {
  let best: ZeroLoss = { packets: 0, records: 0, offered: 0 };
  for (const rate of RATES) {
    const t = await trial(rate);
    if (t.received < t.sent.records) {
      return { ...best, failed: `${fmt(rate)}/s: ${fmt(t.sent.records - t.received)} records missing` };
    }
    const packets = achieved(t, rate);
    best = { ...best, offered: rate };
    if (packets > best.packets) best = { ...best, packets, records: recordsAt(t, packets) };
  }
  return best;
}

/** The collector: zero-loss and sustained rates, checking the whole path end to end until a backlog forms. */
async function collectorZeroLoss(pcap: string): Promise<CollectorZeroLoss> {
  let best: CollectorZeroLoss = {
    packets: 0,
    records: 0,
    offered: 0,
    sustainedPackets: 0,
    sustainedRecords: 0,
  };
  let keepingUp = true;
  for (const rate of RATES) {
    const t = await collectorTrial(pcap, rate, keepingUp);
    const why = [
      t.received < t.sent.packets ? `${fmt(t.sent.packets - t.received)} datagrams not read` : '',
      t.kernelDrops ? `${fmt(t.kernelDrops)} kernel drops` : '',
      t.queueOverflow ? `${fmt(t.queueOverflow)} overflows` : '',
      t.documents !== undefined &&
      t.lagMs !== undefined &&
      t.lagMs < MAX_DRAIN_MS &&
      t.documents < t.sent.records
        ? `${fmt(t.sent.records - t.documents)} records missing at the sink`
        : '',
    ].filter(Boolean);
    if (why.length > 0) return { ...best, failed: `${fmt(rate)}/s: ${why.join(', ')}` };
    const packets = achieved(t, rate);
    best = { ...best, offered: rate };
    if (packets > best.packets) best = { ...best, packets, records: recordsAt(t, packets) };
    if (keepingUp && t.lagMs !== undefined && t.lagMs <= MAX_LAG_MS) {
      best = { ...best, sustainedPackets: packets, sustainedRecords: recordsAt(t, packets) };
    } else {
      keepingUp = false;
    }
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

  const worst = await enrichmentBench();
  console.log(`  largest cost of geo+asn+apps: ${(worst * 100).toFixed(1)} % (target <= 25 %)`);

  const pcapFile = join(LAB_FLOWS, `${EXPORTS.v9}.pcap`);
  const nfcapdPort = 20_000 + (process.pid % 20_000);
  const ours: CollectorZeroLoss[] = [];
  const theirs: ZeroLoss[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    ours.push(await collectorZeroLoss(pcapFile));
    theirs.push(await nfcapdZeroLoss((rate) => nfcapdTrial(pcapFile, rate, nfcapdPort)));
  }
  const oursPackets = median(ours.map((r) => r.packets));
  const theirsPackets = median(theirs.map((r) => r.packets));
  const sustained = median(ours.map((r) => r.sustainedPackets));
  const ratio = (n: number) => (theirsPackets > 0 ? (n / theirsPackets).toFixed(2) : 'n/a');
  console.log(
    `\nzero-loss rate over loopback UDP (softflowd v9, ${TRIAL_SECONDS} s per step, ${RECEIVE_BUFFER / 1024 / 1024} MiB receive buffer each)`,
  );
  console.log(
    '  zero loss: no kernel drop, no overflow, every datagram read (then decoded, or waiting in the journal);\n' +
      '  nfcapd: every flow record in its files; rates are those the sender achieved',
  );
  console.log(
    `  flowtrail (${[...readers].join(', ')} reader): ${fmt(oursPackets)} packets/s, ${fmt(median(ours.map((r) => r.records)))} records/s  (rounds: ${ours.map((r) => fmt(r.packets)).join(', ')})`,
  );
  console.log(
    `    first lossy step per round: ${ours.map((r) => r.failed ?? "none (the rate is the sender's limit, a lower bound)").join(' | ')}`,
  );
  console.log(
    `  nfcapd:    ${fmt(theirsPackets)} packets/s, ${fmt(median(theirs.map((r) => r.records)))} records/s  (rounds: ${theirs.map((r) => fmt(r.packets)).join(', ')})`,
  );
  console.log(`    first lossy step per round: ${theirs.map((r) => r.failed ?? 'none').join(' | ')}`);
  console.log(`  ratio flowtrail/nfcapd: ${ratio(oursPackets)}`);
  // Near the sender's limit the achieved rates say more about the sender than the collectors: the highest step
  // each stayed lossless at, as asked of the same sender, compares them where the sender could not.
  const oursOffered = median(ours.map((r) => r.offered));
  const theirsOffered = median(theirs.map((r) => r.offered));
  console.log(
    `  highest lossless step asked of the sender: flowtrail ${fmt(oursOffered)}/s (rounds: ${ours.map((r) => fmt(r.offered)).join(', ')}), ` +
      `nfcapd ${fmt(theirsOffered)}/s (rounds: ${theirs.map((r) => fmt(r.offered)).join(', ')}); ratio ${(oursOffered / theirsOffered).toFixed(2)}`,
  );
  console.log(
    `  sustained (every record a document at the sink within ${MAX_LAG_MS} ms of the sender's end, no journal backlog):\n` +
      `    ${fmt(sustained)} packets/s, ${fmt(median(ours.map((r) => r.sustainedRecords)))} records/s  (rounds: ${ours.map((r) => fmt(r.sustainedPackets)).join(', ')}); ratio to nfcapd's zero-loss rate: ${ratio(sustained)}`,
  );
  console.log(`  collector peak RSS: ${(peakRss / 1024 / 1024).toFixed(0)} MB (target <= 256 MB)`);
}

await main();
