/**
 * The collector side of bench/netflow.ts, in a process of its own so that its memory is the collector's alone:
 * compiled into dist/ by `npm run build` and run with plain node, as `flowtrail collect` runs, with the real
 * NetFlow source (datagram journal included) and pipeline, and a sink that discards.
 * Prints `{"port": n, "reader": ...}` once listening; then answers each `stats` line on stdin with one JSON line and stops on
 * `stop`, answering with the final figures.
 *
 *   node dist/bench/netflow-collector.js <journal dir> <receive buffer bytes> <auto|native|dgram>
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import type { NetflowReceiverKind } from '../plugins/netflow/receive-protocol.js';
import { createNetflowSource } from '../plugins/netflow/source.js';
import { Metrics } from '../src/observability/metrics.js';
import { DeadLetterWriter } from '../src/pipeline/dead-letter.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import type { Sink } from '../src/pipeline/types.js';
import { LocalNetworks } from '../src/schema/locality.js';

export interface CollectorReport {
  /** Documents that reached the sink. */
  written: number;
  received: number;
  decodedPackets: number;
  kernelDrops: number;
  queueOverflow: number;
  journalBytes: number;
  /** Peak resident set size of this process (VmHWM), bytes. */
  peakRss: number;
}

const [journalDir, receiveBufferBytes, receiver] = process.argv.slice(2);
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
const source = createNetflowSource(
  {
    host: '127.0.0.1',
    port: 0,
    recvBufferSize: Number(receiveBufferBytes),
    receiver: receiver as NetflowReceiverKind,
    journal: { dir: journalDir, maxBytes: 4 * 1024 ** 3 },
    onListening: (address) =>
      process.stdout.write(`${JSON.stringify({ port: address.port, reader: source.stats().reader })}\n`),
  },
  { localNetworks: new LocalNetworks(['10.77.0.0/24']) },
);
const running = pipeline.run([source]);

function peakRss(): number {
  const line = readFileSync('/proc/self/status', 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return line ? Number(line[1]) * 1024 : process.memoryUsage().rss;
}

function report(): CollectorReport {
  const stats = source.stats();
  return {
    written,
    received: stats.received,
    decodedPackets: Object.values(stats.exporters).reduce((sum, e) => sum + e.packets, 0),
    kernelDrops: stats.kernelDrops ?? 0,
    queueOverflow: stats.queueOverflow,
    journalBytes: stats.journalBytes,
    peakRss: peakRss(),
  };
}

for await (const command of createInterface({ input: process.stdin })) {
  if (command === 'stats') process.stdout.write(`${JSON.stringify(report())}\n`);
  if (command === 'stop') {
    const final = report();
    pipeline.stop();
    await running;
    process.stdout.write(`${JSON.stringify(final)}\n`);
    process.exit(0);
  }
}
