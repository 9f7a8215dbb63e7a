import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import { Worker } from 'node:worker_threads';
import ipaddr from 'ipaddr.js';
import type { NetflowExporterSample, NetflowSample } from '../../src/observability/metrics.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { DatagramBatchWriter, readDatagramBatch } from './datagram-batch.js';
import type { DecoderSnapshot } from './decode/decoder.js';
import type { ExporterStats } from './decode/types.js';
import { DatagramJournal } from './journal.js';
import { kernelDrops } from './socket-drops.js';
import {
  decodeWorkerEntry,
  type FromWorker,
  SerializedRecord,
  type ToWorker,
  type WorkerInit,
  type WorkerStats,
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

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Distinct senders counted by name for drops; a flood from random sources adds to `OTHER_SENDERS` instead. */
const MAX_DROP_KEYS = 1000;
const OTHER_SENDERS = 'other';
/**
 * A partial batch goes to the worker after this long: batching amortises the cost of one message over many
 * datagrams under load, while a lone datagram still waits at most about a millisecond.
 */
const BATCH_DELAY_MS = 1;
/** Batches handed to the decode worker and not answered yet: enough to keep it busy, few enough to stay small. */
const MAX_IN_FLIGHT = 4;

interface QueuedBatch {
  buffer: ArrayBuffer;
  packets: number;
}

function countBy(counts: Map<string, number>, key: string): void {
  const current = counts.get(key);
  if (current !== undefined) counts.set(key, current + 1);
  else if (counts.size < MAX_DROP_KEYS) counts.set(key, 1);
  else counts.set(OTHER_SENDERS, (counts.get(OTHER_SENDERS) ?? 0) + 1);
}

function exporterAddress(address: string): string {
  // Dual-stack sockets report IPv4 exporters as ::ffff:a.b.c.d; templates and allowlists use the IPv4 form.
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function allowed(cidrs: Cidr[], address: string): boolean {
  if (cidrs.length === 0) return true;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  return cidrs.some((cidr) => parsed.kind() === cidr[0].kind() && parsed.match(cidr));
}

/**
 * UDP NetFlow/IPFIX collector. The receiving thread only reads the socket and packs datagrams into batches; a
 * worker thread decodes them, maps flows to documents and serializes those, and sends back (dataset, id, JSON)
 * that the receiving thread hands to the pipeline. Decoding and mapping thus never delay reading the socket, so
 * a burst lands in the bounded batch queue, then in the disk journal, instead of overflowing the kernel's
 * receive buffer. Batches go to the worker only while the pipeline has room: a slow output makes the queue
 * grow here, where it is bounded and counted, not in the pipeline.
 */
export function createNetflowSource(
  options: NetflowSourceOptions,
  deps: { localNetworks: LocalNetworks },
): NetflowSource {
  const cidrs: Cidr[] = (options.allowedExporters ?? []).map((cidr) => ipaddr.parseCIDR(cidr));
  const batchSize = options.batchSize ?? 256;
  const maxQueuedPackets = options.maxQueuedPackets ?? 20_000;
  const maxQueuedBytes = options.maxQueuedBytes ?? 32 * 1024 * 1024;
  const counts = { received: 0, notAllowed: 0, queueOverflow: 0, journaledPackets: 0 };
  let journal: DatagramJournal | undefined;
  const notAllowedBy = new Map<string, number>();
  const overflowBy = new Map<string, number>();
  let workerStats: WorkerStats = { exporters: {}, exporterLimit: 0 };
  /** The decoder's state while no worker runs: the one to start from, then the one the worker ended with. */
  let lastSnapshot: DecoderSnapshot = options.snapshot ?? { version: 1, exporters: [] };
  let requestSnapshot: (() => Promise<DecoderSnapshot>) | undefined;
  let boundPort: number | undefined;
  /** Read just before the socket closes: afterwards the port may belong to another socket. */
  let dropsAtClose: number | undefined;

  async function run(ctx: SourceContext): Promise<void> {
    if (ctx.signal.aborted) return;
    const host = options.host ?? '0.0.0.0';
    const entry = decodeWorkerEntry();
    const init: WorkerInit = {
      decoder: {
        templateTtlMs: options.templateTimeoutMs,
        samplingRateOverrides: options.samplingOverrides,
        maxTemplatesPerExporter: options.maxTemplatesPerExporter,
        maxPendingPerExporter: options.maxPendingPerExporter,
      },
      snapshot: lastSnapshot,
      localNetworks: deps.localNetworks.cidrs,
    };
    const worker = new Worker(entry.script, { workerData: init, eval: entry.eval });
    const send = (message: ToWorker, transfer?: ArrayBuffer[]) => worker.postMessage(message, transfer);

    /** Without a journal: batches not yet handed to the worker, oldest first. */
    const memory: QueuedBatch[] = [];
    /** Datagrams in `memory` or at the worker from it: what `maxQueuedPackets`/`maxQueuedBytes` bound. */
    let queuedPackets = 0;
    let queuedBytes = 0;
    let inFlight = 0;
    let emitsWaiting = 0;
    let closing = false;
    journal = options.journal
      ? new DatagramJournal(options.journal.dir, { maxBytes: options.journal.maxBytes })
      : undefined;
    if (journal && journal.bytes > 0) {
      ctx.logger.info({ bytes: journal.bytes }, 'netflow: decoding what the last run had not written');
    }
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
    // Settles only when the worker dies before `closed`: every wait below races it.
    const failed = new Promise<never>((_, reject) => {
      onFailed = reject;
    });
    failed.catch(() => {});

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
              release = () => from.release();
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
          const records = new Array<SerializedRecord>(n);
          for (let i = 0; i < n; i++) {
            records[i] = new SerializedRecord(message.datasets[i], message.ids[i], message.jsons[i]);
          }
          if (n > 0) ctx.counters.recordsIn(n);
          emitsWaiting++;
          ctx
            .emit(records, release)
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

    const socket = dgram.createSocket({
      type: isIPv6(host) ? 'udp6' : 'udp4',
      ...(options.recvBufferSize ? { recvBufferSize: options.recvBufferSize } : {}),
    });
    const batch = new DatagramBatchWriter();
    let flushTimer: NodeJS.Timeout | undefined;
    /** Hands queued batches to the worker while it has room and the pipeline is not pushing back. */
    function pump(): void {
      while (closing || (inFlight < MAX_IN_FLIGHT && emitsWaiting === 0)) {
        // Once closing, the journal keeps what is left for the next run.
        const next = journal ? (closing ? undefined : journal.read()) : memory.shift();
        if (!next) return;
        inFlight++;
        send({ type: 'batch', buffer: next.buffer, packets: next.packets }, [next.buffer]);
      }
    }
    const flush = () => {
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
      if (batch.packets === 0) return;
      const bytes = batch.bytes;
      const { buffer, packets } = batch.take();
      if (journal) {
        if (journal.append(buffer, packets)) counts.journaledPackets += packets;
        else overflow(buffer);
      } else if (queuedPackets < maxQueuedPackets && queuedBytes + bytes <= maxQueuedBytes) {
        memory.push({ buffer, packets });
        queuedPackets += packets;
        queuedBytes += bytes;
      } else {
        overflow(buffer);
      }
      pump();
    };
    const overflow = (buffer: ArrayBuffer) =>
      readDatagramBatch(buffer, ({ address, port }) => {
        counts.queueOverflow++;
        countBy(overflowBy, `${address}:${port}`);
      });

    socket.on('message', (data, rinfo) => {
      const address = exporterAddress(rinfo.address);
      if (!allowed(cidrs, address)) {
        counts.notAllowed++;
        countBy(notAllowedBy, `${address}:${rinfo.port}`);
        return;
      }
      counts.received++;
      if (!batch.fits(data.length, address)) flush();
      batch.append(data, address, rinfo.port, Date.now());
      if (batch.packets >= batchSize) flush();
      else flushTimer ??= setTimeout(flush, BATCH_DELAY_MS);
    });

    try {
      await Promise.race([ready, failed]);
      pump();
      requestSnapshot = () => {
        const id = nextRequest++;
        const answer = new Promise<DecoderSnapshot>((resolve) => snapshotRequests.set(id, resolve));
        send({ type: 'snapshot', id });
        return Promise.race([answer, failed]);
      };
      await Promise.race([
        new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.bind({ address: host, port: options.port ?? 2055 }, () => {
            socket.off('error', reject);
            socket.on('error', (err) => ctx.logger.warn({ err }, 'netflow: socket error'));
            boundPort = socket.address().port;
            warnOnSmallBuffer(socket, options.recvBufferSize, ctx);
            options.onListening?.(socket.address());
            ctx.logger.info({ address: socket.address() }, 'netflow: listening');
            resolve();
          });
        }),
        failed,
      ]);
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
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      // What was read is still decoded and emitted, but for the journal's backlog, which waits for the next run;
      // the worker answers `closed` after the last batch.
      flush();
      closing = true;
      pump();
      send({ type: 'close' });
      await Promise.race([closed, failed]).finally(() => {
        requestSnapshot = undefined;
        worker.removeAllListeners('exit');
        journal?.close();
        return worker.terminate();
      });
    }
  }

  return {
    name: 'netflow',
    run,
    stats: () => ({
      exporters: workerStats.exporters,
      received: counts.received,
      notAllowed: counts.notAllowed,
      notAllowedByExporter: Object.fromEntries(notAllowedBy),
      queueOverflow: counts.queueOverflow,
      queueOverflowByExporter: Object.fromEntries(overflowBy),
      kernelDrops: boundPort === undefined ? dropsAtClose : kernelDrops(boundPort),
      exporterLimit: workerStats.exporterLimit,
      journaledPackets: counts.journaledPackets,
      journalBytes: journal?.bytes ?? 0,
    }),
    snapshot: () => requestSnapshot?.() ?? Promise.resolve(lastSnapshot),
  };
}

/**
 * Warns when the kernel granted a smaller receive buffer than configured: Linux caps SO_RCVBUF at
 * `net.core.rmem_max` without an error (and reports twice what it keeps, its own bookkeeping included).
 */
function warnOnSmallBuffer(socket: dgram.Socket, requested: number | undefined, ctx: SourceContext): void {
  if (!requested) return;
  const granted = socket.getRecvBufferSize();
  if (granted < requested) {
    ctx.logger.warn(
      { requested, granted },
      'netflow: the kernel granted a smaller socket receive buffer than configured; raise net.core.rmem_max',
    );
  }
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
