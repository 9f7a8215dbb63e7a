/**
 * Decode worker of the UDP NetFlow source (see `source.ts`): decodes packed datagram batches, maps flows to
 * documents and serializes them, so the receiving thread only reads the socket. It owns the template cache and
 * sampling state; the source sees them through `stats` pushes and `snapshot` requests.
 */
import { setPriority } from 'node:os';
import { type MessagePort, parentPort, type Worker } from 'node:worker_threads';
import { createEnrichers, type Enrichers } from '../../src/enrich/enrichers.js';
import { LogThrottle } from '../../src/observability/throttle.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { startWorker, workerDataFor } from '../../src/util/worker.js';
import { readDatagramBatch } from './datagram-batch.js';
import { DatagramDecoding, type DecodedDocuments } from './datagram-decoding.js';
import { NetflowDecoder } from './decode/decoder.js';
import type {
  DecodedBatch,
  DecodeInit,
  DecodeStats,
  FromDecodeWorker,
  ToDecodeWorker,
} from './decode-protocol.js';

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
/**
 * The worker's young generation. V8 sizes it by the machine's memory, up to 48 MB on a large one, and the worker's
 * short-lived decoding garbage fills whatever it is given; a smaller one is scavenged more often for about the same
 * cost and keeps the collector's resident memory down.
 */
const DECODE_YOUNG_GENERATION_MB = 16;

/** Starts a decode worker; `DecodeWorkerHandle` talks to it. */
export function startDecodeWorker(init: DecodeInit): Worker {
  return startWorker(import.meta.url, init, {
    resourceLimits: { maxYoungGenerationSizeMb: DECODE_YOUNG_GENERATION_MB },
  });
}

/** The worker's side: decodes the batches it is sent, and answers with documents, counters and snapshots. */
class BatchDecoding {
  private readonly decoder: NetflowDecoder;
  private readonly decoding: DatagramDecoding;
  private readonly enrichers: Enrichers | undefined;
  private readonly expiry: NodeJS.Timeout;
  private statsPushedAt = 0;
  private statsTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly port: MessagePort,
    init: DecodeInit,
  ) {
    this.decoder = new NetflowDecoder(init.decoder);
    this.decoder.restore(init.snapshot);
    this.enrichers = this.createEnrichers(init);
    this.decoding = new DatagramDecoding(this.decoder, new LocalNetworks(init.localNetworks), this.enrichers);
    this.expiry = setInterval(() => this.decoder.expire(), EXPIRE_INTERVAL_MS);
    this.expiry.unref();
  }

  /**
   * The flows' enrichers. Their databases were opened once before the worker started (a bad path is a
   * configuration error there); one that cannot be opened now leaves flows without its fields, and says so.
   */
  private createEnrichers(init: DecodeInit): Enrichers | undefined {
    if (init.enrichment === undefined) return undefined;
    const warnings = new LogThrottle();
    const warn = (message: string, fields?: Record<string, unknown>) => {
      const suppressed = warnings.admit(message);
      if (suppressed !== undefined)
        this.post({ type: 'warning', message, fields: { ...fields, suppressed } });
    };
    try {
      return createEnrichers(init.enrichment, {
        localNetworks: init.localNetworks,
        warn,
        polled: init.polledInterfaces,
        tolerateDatabases: true,
      });
    } catch (err) {
      warn('enrichment: flows go without it', { err: err instanceof Error ? err.message : String(err) });
      return undefined;
    }
  }

  start(): void {
    this.port.on('message', (message: ToDecodeWorker) => this.handle(message));
    this.post({ type: 'ready' });
  }

  private post(message: FromDecodeWorker): void {
    this.port.postMessage(message);
  }

  private stats(): DecodeStats {
    const { decoder } = this;
    return {
      exporters: decoder.stats(),
      exporterLimit: decoder.rejectedExporterPackets,
      evictedExporters: decoder.evictedExporters,
      limitHits: decoder.limitHits(),
      usage: decoder.usage(),
      ...this.decoding.problems(),
    };
  }

  private pushStats(): void {
    this.statsTimer = undefined;
    this.statsPushedAt = Date.now();
    this.post({ type: 'stats', stats: this.stats() });
  }

  private handle(message: ToDecodeWorker): void {
    switch (message.type) {
      case 'batch':
        this.decodeBatch(message.buffer, message.packets);
        break;
      case 'interfaces':
        this.enrichers?.setPolledInterfaces(message.tables);
        break;
      case 'snapshot':
        this.post({ type: 'snapshot', id: message.id, snapshot: this.decoder.snapshot() });
        break;
      case 'close':
        clearInterval(this.expiry);
        this.decoding.close();
        if (this.statsTimer) clearTimeout(this.statsTimer);
        // The source terminates the worker once it has read this.
        this.post({ type: 'closed', stats: this.stats(), snapshot: this.decoder.snapshot() });
        break;
    }
  }

  private decodeBatch(buffer: ArrayBuffer, packets: number): void {
    const { decoding } = this;
    let out: DecodedDocuments = { datasets: [], ids: [], jsons: [], deadLetters: [] };
    const now = Date.now();
    const postPart = (done?: DecodedBatch) => {
      const due = done !== undefined && now - this.statsPushedAt >= STATS_INTERVAL_MS;
      if (due) this.statsPushedAt = now;
      this.post({
        type: 'results',
        done,
        ...out,
        stats: due ? this.stats() : undefined,
      });
      out = { datasets: [], ids: [], jsons: [], deadLetters: [] };
      return due;
    };
    readDatagramBatch(buffer, (datagram) => {
      decoding.decode(datagram, now, out);
      if (out.jsons.length >= RESULT_PART_DOCS) postPart();
    });
    const due = postPart({ packets, bytes: buffer.byteLength });
    // A trailing push, so that the counters read after a burst are exact once decoding has caught up.
    if (!due && this.statsTimer === undefined)
      this.statsTimer = setTimeout(() => this.pushStats(), STATS_INTERVAL_MS);
  }
}

/** The worker's code, on the thread it runs in. */
export function runDecodeWorker(port: MessagePort, init: DecodeInit): void {
  try {
    setPriority(DECODE_NICE);
  } catch {
    // Not permitted or not supported here: decoding then competes with receiving as an equal.
  }
  new BatchDecoding(port, init).start();
}

const init = workerDataFor<DecodeInit>(import.meta.url);
if (init && parentPort) runDecodeWorker(parentPort, init);
