import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import ipaddr from 'ipaddr.js';
import type { NetflowExporterSample, NetflowSample } from '../../src/observability/metrics.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import { JsonRecord } from '../../src/schema/json-record.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import type { ExporterStats } from './decode/exporter-stats.js';
import type { DecoderSnapshot } from './decode/snapshot.js';
import { DropCounts } from './drop-counts.js';
import { JournalReader } from './journal.js';
import { kernelDrops } from './socket-drops.js';
import {
  type FromReceiver,
  type FromWorker,
  type NetflowReceiverKind,
  type ReceiveInit,
  type ReceiveStats,
  type ToReceiver,
  type ToWorker,
  type WorkerInit,
  type WorkerStats,
  workerEntry,
} from './worker-protocol.js';

export { decodePayloads } from './offline.js';

export interface NetflowSourceOptions {
  /** Listen address; an IPv6 address (e.g. `::`) opens an IPv6 (dual-stack) socket. Default 0.0.0.0. */
  host?: string;
  /** Default 2055; 0 picks a free port (see `onListening`). */
  port?: number;
  /**
   * SO_RCVBUF: absorbs bursts while the receiving thread is busy. The kernel caps it at `net.core.rmem_max`;
   * a smaller grant is logged as a warning.
   */
  recvBufferSize?: number;
  /**
   * What reads the socket. `native` (a recvmmsg thread, Linux, built by `npm ci`) keeps up with far higher rates
   * than Node's `dgram`; `auto`, the default, uses it where it is built and logs a warning when it falls back.
   */
  receiver?: NetflowReceiverKind;
  /** CIDRs of exporters to accept; empty accepts all. Others are dropped and counted. */
  allowedExporters?: string[];
  /** Template time to live. Default 30 min. */
  templateTimeoutMs?: number;
  /** Sampling rate by exporter IP, overriding what the exporter announces. */
  samplingOverrides?: Record<string, number>;
  maxTemplatesPerExporter?: number;
  maxPendingPerExporter?: number;
  /** Datagrams per batch handed to the decode worker (a batch also goes after `BATCH_DELAY_MS`). Default 256. */
  batchSize?: number;
  /**
   * Without a journal: datagrams held in memory, received but not yet decoded, beyond which new ones are dropped
   * (and counted). Default 20 000.
   */
  maxQueuedPackets?: number;
  /** The same bound in bytes of datagrams, which keeps memory bounded whatever their size. Default 32 MiB. */
  maxQueuedBytes?: number;
  /**
   * Documents of this source emitted and not yet written beyond which no more batches are decoded: the journal (or
   * the memory queue) holds the backlog, not the pipeline. Default 16 384, about 18 MB of documents.
   */
  maxUnwrittenDocs?: number;
  /**
   * Where every datagram batch goes on its way to the decode worker (see `DatagramJournal`): bursts and slow
   * outputs then wait on disk, up to `maxBytes`, and a restart decodes what was not written yet. Without it,
   * batches wait in memory within `maxQueuedPackets`/`maxQueuedBytes` and are lost with the process.
   */
  journal?: { dir: string; maxBytes: number };
  /** Templates and sampling state learnt in an earlier run (see `NetflowSource.snapshot`). */
  snapshot?: DecoderSnapshot;
  onListening?: (address: AddressInfo) => void;
}

export interface NetflowSourceStats {
  exporters: Record<string, ExporterStats>;
  /** Datagrams read from the socket, from allowed exporters. */
  received: number;
  /** Datagrams from exporters outside `allowedExporters`. */
  notAllowed: number;
  /** The same by exporter ip:port (see `MAX_DROP_KEYS`). */
  notAllowedByExporter: Record<string, number>;
  /** Datagrams dropped because too many were waiting for decoding: memory bounds exceeded, journal full or absent. */
  queueOverflow: number;
  queueOverflowByExporter: Record<string, number>;
  /** Datagrams the kernel dropped on the socket (receive buffer full); undefined before binding or off Linux. */
  kernelDrops?: number;
  /** Datagrams refused because too many exporters are tracked. */
  exporterLimit: number;
  /** Datagrams that went through the journal, and the bytes in it not yet known to be written. */
  journaledPackets: number;
  journalBytes: number;
  /** What reads the socket, once it is bound. */
  reader?: 'native' | 'dgram';
}

export interface NetflowSource extends Source {
  /**
   * Counters. Those of the decoder are pushed by the decode worker at most `STATS_INTERVAL_MS` apart while
   * datagrams flow and once more after the last batch, so they are exact once decoding has caught up.
   */
  stats(): NetflowSourceStats;
  /** Template cache and sampling state, JSON-serialisable, to persist across restarts. */
  snapshot(): Promise<DecoderSnapshot>;
}

/**
 * Batches handed to the decode worker and not answered yet: one being decoded and one waiting keep it busy (a batch
 * takes tens of milliseconds), and every further one is megabytes of documents alive at once.
 */
const MAX_IN_FLIGHT = 2;
/**
 * The decode worker's young generation. V8 sizes it by the machine's memory, up to 48 MB on a large one, and the
 * worker's short-lived decoding garbage fills whatever it is given; a smaller one is scavenged more often for about
 * the same cost and keeps the collector's resident memory down.
 */
const DECODE_YOUNG_GENERATION_MB = 16;
/**
 * Default of `maxUnwrittenDocs`. The pipeline's own bound (`queue.max_records`, 100 000 by default) would keep about
 * 100 MB of documents in memory whenever the outputs are slower than decoding.
 */
const MAX_UNWRITTEN_DOCS = 16_384;
/** Batches appended to the journal but not yet in the file beyond which the disk is too slow and they are dropped. */
const MAX_PENDING_JOURNAL_BYTES = 64 * 1024 * 1024;

interface QueuedBatch {
  buffer: ArrayBuffer;
  packets: number;
}

const NO_RECEIVE_STATS: ReceiveStats = {
  received: 0,
  notAllowed: 0,
  notAllowedByExporter: {},
  overflow: 0,
  overflowByExporter: {},
  journaledPackets: 0,
};

/** Sums two per-exporter counts. */
function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [key, n] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}

/**
 * UDP NetFlow/IPFIX collector, three threads:
 *  - the receiving worker (`receive-worker.ts`) only reads the socket, packs datagrams into batches and appends
 *    them to the journal, so that nothing else ever delays reading;
 *  - this thread reads batches back from the journal and hands them to the decode worker only while the pipeline
 *    has room, so a burst or a slow output makes the journal grow, on disk and bounded, instead of losing data;
 *  - the decode worker (`decode-worker.ts`) decodes, maps flows to documents and serializes them, and sends back
 *    (dataset, id, JSON) for the pipeline.
 * Without a journal, batches wait in memory within `maxQueuedPackets`/`maxQueuedBytes`.
 */
export function createNetflowSource(
  options: NetflowSourceOptions,
  deps: { localNetworks: LocalNetworks },
): NetflowSource {
  // A bad CIDR fails here, where the source is configured, rather than later inside the receiving thread.
  for (const cidr of options.allowedExporters ?? []) ipaddr.parseCIDR(cidr);
  const maxQueuedPackets = options.maxQueuedPackets ?? 20_000;
  const maxUnwrittenDocs = options.maxUnwrittenDocs ?? MAX_UNWRITTEN_DOCS;
  const maxQueuedBytes = options.maxQueuedBytes ?? 32 * 1024 * 1024;
  /** Without a journal, batches this thread had to drop. */
  const memoryOverflow = new DropCounts();
  let receiveStats = NO_RECEIVE_STATS;
  let reader: NetflowSourceStats['reader'];
  let journal: JournalReader | undefined;
  let workerStats: WorkerStats = { exporters: {}, exporterLimit: 0 };
  /** The decoder's state while no worker runs: the one to start from, then the one the worker ended with. */
  let lastSnapshot: DecoderSnapshot = options.snapshot ?? { version: 1, exporters: [] };
  let requestSnapshot: (() => Promise<DecoderSnapshot>) | undefined;
  let boundPort: number | undefined;
  /** Read just before the socket closes: afterwards the port may belong to another socket. */
  let dropsAtClose: number | undefined;

  async function run(ctx: SourceContext): Promise<void> {
    if (ctx.signal.aborted) return;
    journal = options.journal ? new JournalReader(options.journal.dir) : undefined;
    if (journal && journal.bytes > 0) {
      ctx.logger.info({ bytes: journal.bytes }, 'netflow: decoding what the last run had not written');
    }
    const decodeEntry = workerEntry('decode-worker');
    const decodeInit: WorkerInit = {
      decoder: {
        templateTtlMs: options.templateTimeoutMs,
        samplingRateOverrides: options.samplingOverrides,
        maxTemplatesPerExporter: options.maxTemplatesPerExporter,
        maxPendingPerExporter: options.maxPendingPerExporter,
      },
      snapshot: lastSnapshot,
      localNetworks: deps.localNetworks.cidrs,
    };
    const worker = new Worker(decodeEntry.script, {
      workerData: decodeInit,
      eval: decodeEntry.eval,
      resourceLimits: { maxYoungGenerationSizeMb: DECODE_YOUNG_GENERATION_MB },
    });
    const send = (message: ToWorker, transfer?: ArrayBuffer[]) => worker.postMessage(message, transfer);

    /** Without a journal: batches not yet handed to the worker, oldest first. */
    const memory: QueuedBatch[] = [];
    /** Datagrams in `memory` or at the worker from it: what `maxQueuedPackets`/`maxQueuedBytes` bound. */
    let queuedPackets = 0;
    let queuedBytes = 0;
    let inFlight = 0;
    let emitsWaiting = 0;
    let closing = false;
    let nextRequest = 0;
    const snapshotRequests = new Map<number, (snapshot: DecoderSnapshot) => void>();
    let onReady: () => void = () => {};
    let onClosed: () => void = () => {};
    let onFailed: (err: Error) => void = () => {};
    const ready = new Promise<void>((resolve) => {
      onReady = resolve;
    });
    const closed = new Promise<void>((resolve) => {
      onClosed = resolve;
    });
    // Settles only when a worker dies before closing: every wait below races it.
    const failed = new Promise<never>((_, reject) => {
      onFailed = reject;
    });
    failed.catch(() => {});

    /** Documents emitted and not yet written by the sinks. */
    let unwrittenDocs = 0;

    /**
     * Hands queued batches to the worker while it has room, the pipeline is not pushing back and not too many of
     * this source's documents wait in it.
     */
    function pump(): void {
      while (
        closing ||
        (inFlight < MAX_IN_FLIGHT && emitsWaiting === 0 && unwrittenDocs < maxUnwrittenDocs)
      ) {
        // Once closing, the journal keeps what is left for the next run.
        const next = journal ? (closing ? undefined : journal.read()) : memory.shift();
        if (!next) return;
        inFlight++;
        send({ type: 'batch', buffer: next.buffer, packets: next.packets }, [next.buffer]);
      }
    }

    function queueInMemory(buffer: ArrayBuffer, packets: number): void {
      if (queuedPackets < maxQueuedPackets && queuedBytes + buffer.byteLength <= maxQueuedBytes) {
        memory.push({ buffer, packets });
        queuedPackets += packets;
        queuedBytes += buffer.byteLength;
        return;
      }
      memoryOverflow.addBatch(buffer);
    }

    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'ready':
          onReady();
          break;
        case 'results': {
          const done = message.done;
          let release: (() => void) | undefined;
          if (done) {
            inFlight--;
            if (journal) {
              // Write callbacks run in emit order, so releases come in the order the journal was read.
              const from = journal;
              release = () => {
                const freed = from.release();
                if (freed > 0) receiver.postMessage({ type: 'freed', bytes: freed } satisfies ToReceiver);
              };
            } else {
              queuedPackets -= done.packets;
              queuedBytes -= done.bytes;
            }
          }
          if (message.stats) workerStats = message.stats;
          for (const dead of message.deadLetters) {
            ctx.counters.recordsFailed(1);
            ctx.deadLetter({ plugin: 'netflow', reason: dead.reason, origin: dead.origin, raw: dead.raw });
          }
          const n = message.ids.length;
          if (n === 0 && !release) {
            pump();
            break;
          }
          const records = new Array<JsonRecord>(n);
          for (let i = 0; i < n; i++) {
            records[i] = new JsonRecord(message.datasets[i], message.ids[i], message.jsons[i]);
          }
          if (n > 0) ctx.counters.recordsIn(n);
          emitsWaiting++;
          unwrittenDocs += n;
          ctx
            .emit(records, () => {
              unwrittenDocs -= n;
              release?.();
              pump();
            })
            .catch((err: unknown) => ctx.logger.error({ err }, 'netflow: emit failed'))
            .finally(() => {
              emitsWaiting--;
              pump();
            });
          break;
        }
        case 'stats':
          workerStats = message.stats;
          break;
        case 'snapshot':
          snapshotRequests.get(message.id)?.(message.snapshot);
          snapshotRequests.delete(message.id);
          break;
        case 'closed':
          workerStats = message.stats;
          lastSnapshot = message.snapshot;
          requestSnapshot = undefined;
          // Requests that crossed `close` on their way are answered with the final state.
          for (const answer of snapshotRequests.values()) answer(message.snapshot);
          snapshotRequests.clear();
          onClosed();
          break;
      }
    });
    worker.on('error', (err) => onFailed(err));
    worker.on('exit', (code) => onFailed(new Error(`netflow: decode worker exited (code ${code})`)));

    const receiveEntry = workerEntry('receive-worker');
    const receiveInit: ReceiveInit = {
      host: options.host ?? '0.0.0.0',
      port: options.port ?? 2055,
      recvBufferSize: options.recvBufferSize,
      receiver: options.receiver ?? 'auto',
      allowedExporters: options.allowedExporters ?? [],
      batchSize: options.batchSize ?? 256,
      journal:
        journal && options.journal
          ? {
              dir: options.journal.dir,
              maxBytes: options.journal.maxBytes,
              maxPendingBytes: MAX_PENDING_JOURNAL_BYTES,
              nextSeq: journal.nextSeq,
              heldBytes: journal.diskBytes,
            }
          : undefined,
    };
    const receiver = new Worker(receiveEntry.script, { workerData: receiveInit, eval: receiveEntry.eval });
    let onBound: () => void = () => {};
    let onBindFailed: (err: Error) => void = () => {};
    const bound = new Promise<void>((resolve, reject) => {
      onBound = resolve;
      onBindFailed = reject;
    });
    bound.catch(() => {});
    let onReceiverClosed: () => void = () => {};
    const receiverClosed = new Promise<void>((resolve) => {
      onReceiverClosed = resolve;
    });
    receiver.on('message', (message: FromReceiver) => {
      switch (message.type) {
        case 'listening':
          boundPort = message.address.port;
          reader = message.reader;
          if (options.recvBufferSize && message.granted < options.recvBufferSize) {
            ctx.logger.warn(
              { requested: options.recvBufferSize, granted: message.granted },
              'netflow: the kernel granted a smaller socket receive buffer than configured; raise net.core.rmem_max',
            );
          }
          options.onListening?.(message.address);
          ctx.logger.info({ address: message.address, reader: message.reader }, 'netflow: listening');
          onBound();
          break;
        case 'native-unavailable':
          ctx.logger.warn(
            { reason: message.reason },
            "netflow: native UDP receiver unavailable, reading with Node's dgram, which loses datagrams at lower rates",
          );
          break;
        case 'bind-failed':
          onBindFailed(Object.assign(new Error(message.message), { code: message.code }));
          break;
        case 'socket-error':
          ctx.logger.warn({ err: message.message }, 'netflow: socket error');
          break;
        case 'journal-error':
          ctx.logger.error(
            { err: message.message },
            'netflow: cannot write to the journal; datagrams dropped',
          );
          break;
        case 'batch':
          queueInMemory(message.buffer, message.packets);
          pump();
          break;
        case 'appended':
          journal?.appended(message.seq, message.length);
          pump();
          break;
        case 'stats':
          receiveStats = message.stats;
          break;
        case 'closed':
          receiveStats = message.stats;
          onReceiverClosed();
          break;
      }
    });
    receiver.on('error', (err) => onFailed(err));
    receiver.on('exit', (code) => onFailed(new Error(`netflow: receiving worker exited (code ${code})`)));

    try {
      await Promise.race([ready, failed]);
      requestSnapshot = () => {
        const id = nextRequest++;
        const answer = new Promise<DecoderSnapshot>((resolve) => snapshotRequests.set(id, resolve));
        send({ type: 'snapshot', id });
        return Promise.race([answer, failed]);
      };
      pump();
      await Promise.race([bound, failed]);
      await Promise.race([
        new Promise<void>((resolve) => {
          if (ctx.signal.aborted) resolve();
          else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
        }),
        failed,
      ]);
    } finally {
      if (boundPort !== undefined) dropsAtClose = kernelDrops(boundPort);
      boundPort = undefined;
      // The receiver closes the socket and appends its last batch; what was read is still decoded and emitted,
      // but for the journal's backlog, which waits for the next run. The decode worker answers `closed` after the
      // last batch.
      receiver.postMessage({ type: 'close' } satisfies ToReceiver);
      await Promise.race([receiverClosed, failed]).catch(() => {});
      closing = true;
      pump();
      send({ type: 'close' });
      await Promise.race([closed, failed]).finally(() => {
        requestSnapshot = undefined;
        journal?.close();
        worker.removeAllListeners('exit');
        receiver.removeAllListeners('exit');
        return Promise.all([worker.terminate(), receiver.terminate()]);
      });
    }
  }

  return {
    name: 'netflow',
    run,
    stats: () => ({
      exporters: workerStats.exporters,
      received: receiveStats.received,
      notAllowed: receiveStats.notAllowed,
      notAllowedByExporter: receiveStats.notAllowedByExporter,
      queueOverflow: receiveStats.overflow + memoryOverflow.total,
      queueOverflowByExporter: addCounts(receiveStats.overflowByExporter, memoryOverflow.bySenderObject()),
      kernelDrops: boundPort === undefined ? dropsAtClose : kernelDrops(boundPort),
      exporterLimit: workerStats.exporterLimit,
      journaledPackets: receiveStats.journaledPackets,
      journalBytes: journal?.bytes ?? 0,
      reader,
    }),
    snapshot: () => requestSnapshot?.() ?? Promise.resolve(lastSnapshot),
  };
}

/** The source's counters in the shape `/metrics` exports them (`Metrics.netflow`). */
export function netflowSample(stats: NetflowSourceStats): NetflowSample {
  const exporters: Record<string, Partial<NetflowExporterSample>> = {};
  for (const [exporter, s] of Object.entries(stats.exporters)) {
    exporters[exporter] = {
      packets: s.packets,
      records: s.records,
      templateMisses: s.templateMisses,
      buffered: s.buffered,
      expired: s.expired,
      malformed: s.malformed,
      lostPackets: s.lostPackets,
      lostRecords: s.lostRecords,
      sequenceResets: s.sequenceResets,
    };
  }
  for (const [exporter, n] of Object.entries(stats.notAllowedByExporter)) {
    exporters[exporter] = { ...exporters[exporter], notAllowed: n };
  }
  for (const [exporter, n] of Object.entries(stats.queueOverflowByExporter)) {
    exporters[exporter] = { ...exporters[exporter], queueOverflow: n };
  }
  return {
    exporters,
    kernelDrops: stats.kernelDrops,
    journaledPackets: stats.journaledPackets,
    journalBytes: stats.journalBytes,
  };
}
