/**
 * Decode worker of the UDP NetFlow source (see `source.ts`): decodes packed datagram batches, maps flows to
 * documents and serializes them, so the receiving thread only reads the socket. It owns the template cache and
 * sampling state; the receiving thread sees them through `stats` pushes and `snapshot` requests.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { readDatagramBatch } from './datagram-batch.js';
import { NetflowDecoder } from './decode/decoder.js';
import { produce } from './producer.js';
import type { FromWorker, ToWorker, WorkerDeadLetter, WorkerInit, WorkerStats } from './worker-protocol.js';

/** Counters are pushed at most this often while batches flow, and once more this long after the last batch. */
const STATS_INTERVAL_MS = 100;
const EXPIRE_INTERVAL_MS = 60_000;
/** Documents per `results` message: a full batch holds ~8,000 flows, which need not all be alive at once. */
const RESULT_PART_DOCS = 1024;

/**
 * Nice value of this thread (Linux sets it per thread). When the cores are busy, the receiving thread must win:
 * what it reads waits in the journal until decoding catches up, while what it misses is lost.
 */
const DECODE_NICE = 10;

try {
  setPriority(DECODE_NICE);
} catch {
  // Not permitted or not supported here: decoding then competes with receiving as an equal.
}

const port = parentPort;
if (!port) throw new Error('netflow decode worker: not started as a worker thread');
const init = workerData as WorkerInit;
const decoder = new NetflowDecoder(init.decoder);
if (init.snapshot) decoder.restore(init.snapshot);
const localNetworks = new LocalNetworks(init.localNetworks);

let statsPushedAt = 0;
let statsTimer: NodeJS.Timeout | undefined;

const post = (message: FromWorker) => port.postMessage(message);
const stats = (): WorkerStats => ({
  exporters: decoder.stats(),
  exporterLimit: decoder.rejectedExporterPackets,
});

function pushStats(): void {
  statsTimer = undefined;
  statsPushedAt = Date.now();
  post({ type: 'stats', stats: stats() });
}

function decodeBatch(buffer: ArrayBuffer, packets: number, ticket: number | undefined): void {
  let datasets: string[] = [];
  let ids: string[] = [];
  let jsons: string[] = [];
  let deadLetters: WorkerDeadLetter[] = [];
  const now = Date.now();
  const postPart = (done?: { packets: number; bytes: number; ticket?: number }) => {
    const due = done !== undefined && now - statsPushedAt >= STATS_INTERVAL_MS;
    if (due) statsPushedAt = now;
    post({ type: 'results', done, datasets, ids, jsons, deadLetters, stats: due ? stats() : undefined });
    datasets = [];
    ids = [];
    jsons = [];
    deadLetters = [];
    return due;
  };
  readDatagramBatch(buffer, ({ data, address, port: exporterPort, receivedAt }) => {
    const { records, error } = decoder.decode(data, address, exporterPort, receivedAt);
    if (error) {
      deadLetters.push({
        origin: `${address}:${exporterPort}`,
        reason: `netflow: ${error}`,
        raw: data.toString('base64'),
      });
    }
    for (const facts of produce(records).flows) {
      const record = toFlowRecord(facts, { localNetworks, now });
      datasets.push(record.dataset);
      ids.push(record.id);
      jsons.push(record.json);
    }
    if (jsons.length >= RESULT_PART_DOCS) postPart();
  });
  const due = postPart({ packets, bytes: buffer.byteLength, ticket });
  // A trailing push, so that the counters read after a burst are exact once decoding has caught up.
  if (!due && statsTimer === undefined) statsTimer = setTimeout(pushStats, STATS_INTERVAL_MS);
}

const expiry = setInterval(() => decoder.expire(), EXPIRE_INTERVAL_MS);
expiry.unref();

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'batch':
      decodeBatch(message.buffer, message.packets, message.ticket);
      break;
    case 'snapshot':
      post({ type: 'snapshot', id: message.id, snapshot: decoder.snapshot() });
      break;
    case 'close':
      clearInterval(expiry);
      if (statsTimer) clearTimeout(statsTimer);
      // The receiving thread terminates the worker once it has read this.
      post({ type: 'closed', stats: stats(), snapshot: decoder.snapshot() });
      break;
  }
});
post({ type: 'ready' });
