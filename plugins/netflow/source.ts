import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import ipaddr from 'ipaddr.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { BatchPump } from './batch-pump.js';
import { type BatchQueue, JournalQueue, MemoryQueue } from './batch-queue.js';
import type { DecoderSnapshot } from './decode/snapshot.js';
import { type DecodeInit, NO_DECODE_STATS } from './decode-protocol.js';
import { DecodeWorkerHandle } from './decode-worker-handle.js';
import { DropCounts } from './drop-counts.js';
import { describePosition, JournalReader } from './journal.js';
import { addCountsByReason } from './problem-counts.js';
import { type NetflowReceiverKind, NO_RECEIVE_STATS, type ReceiveInit } from './receive-protocol.js';
import { ReceiveWorkerHandle } from './receive-worker-handle.js';
import type { NetflowSourceStats } from './source-stats.js';
import { WorkerDeath } from './worker-death.js';

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
  /** Starts the decode worker; tests give one that dies on a batch of their choosing. */
  startDecodeWorker?: (init: DecodeInit) => Worker;
  onListening?: (address: AddressInfo) => void;
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
 * Default of `maxUnwrittenDocs`. The pipeline's own bound (`queue.max_records`, 100 000 by default) would keep about
 * 100 MB of documents in memory whenever the outputs are slower than decoding.
 */
const MAX_UNWRITTEN_DOCS = 16_384;
/** Batches appended to the journal but not yet in the file beyond which the disk is too slow and they are dropped. */
const MAX_PENDING_JOURNAL_BYTES = 64 * 1024 * 1024;
const EMPTY_SNAPSHOT: DecoderSnapshot = { version: 1, exporters: [] };

/** Sums two per-exporter counts. */
function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [key, n] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * UDP NetFlow/IPFIX collector, three threads:
 *  - the receiving worker (`receive-worker.ts`) only reads the socket, packs datagrams into batches and appends
 *    them to the journal, so that nothing else ever delays reading;
 *  - this thread reads batches back from the journal and hands them to the decode worker only while the pipeline
 *    has room (`BatchPump`), so a burst or a slow output makes the journal grow, on disk and bounded, instead of
 *    losing data;
 *  - the decode worker (`decode-worker.ts`) decodes, maps flows to documents and serializes them, and sends back
 *    (dataset, id, JSON) for the pipeline.
 * Without a journal, batches wait in memory within `maxQueuedPackets`/`maxQueuedBytes` (`MemoryQueue`).
 */
class UdpNetflowSource implements NetflowSource {
  readonly name = 'netflow';
  /** Without a journal, batches this thread had to drop. */
  private readonly memoryOverflow = new DropCounts();
  private journal: JournalReader | undefined;
  private receiver: ReceiveWorkerHandle | undefined;
  private decoder: DecodeWorkerHandle | undefined;
  private pump: BatchPump | undefined;

  constructor(
    private readonly options: NetflowSourceOptions,
    private readonly localNetworks: LocalNetworks,
  ) {
    // A bad CIDR fails here, where the source is configured, rather than later inside the receiving thread.
    for (const cidr of options.allowedExporters ?? []) ipaddr.parseCIDR(cidr);
  }

  async run(ctx: SourceContext): Promise<void> {
    if (ctx.signal.aborted) return;
    const { options } = this;
    const journal = options.journal ? new JournalReader(options.journal.dir) : undefined;
    this.journal = journal;
    if (journal && journal.bytes > 0) {
      ctx.logger.info({ bytes: journal.bytes }, 'netflow: decoding what the last run had not written');
    }
    const death = new WorkerDeath();
    // The workers' callbacks reach `pump`, made below from the queue, only once they answer: after this turn.
    const decoder = new DecodeWorkerHandle(
      this.decodeInit(),
      death,
      (results) => pump.results(results),
      options.startDecodeWorker,
    );
    this.decoder = decoder;
    const receiver = new ReceiveWorkerHandle(this.receiveInit(journal), death, {
      logger: ctx.logger,
      onListening: options.onListening,
      onArrival: (arrival) => pump.arrived(arrival),
    });
    this.receiver = receiver;
    const queue: BatchQueue = journal
      ? new JournalQueue(journal, (bytes) => receiver.freed(bytes))
      : new MemoryQueue(
          options.maxQueuedPackets ?? 20_000,
          options.maxQueuedBytes ?? 32 * 1024 * 1024,
          this.memoryOverflow,
        );
    const pump = new BatchPump(queue, decoder, ctx, options.maxUnwrittenDocs ?? MAX_UNWRITTEN_DOCS);
    this.pump = pump;
    try {
      await death.race(decoder.ready);
      pump.pump();
      await death.race(receiver.bound);
      await death.race(aborted(ctx.signal));
    } finally {
      // The receiver closes the socket and queues its last batch; what was read is still decoded and emitted,
      // but for the journal's backlog, which waits for the next run. The decode worker answers `closed` after the
      // last batch.
      await death.race(receiver.close()).catch(() => {});
      pump.close();
      await death.race(decoder.close()).finally(async () => {
        // Once the workers have exited, every message the decode worker sent has been read (Node drains its port
        // before 'exit'), so the pump knows which batch it died on.
        await Promise.all([decoder.terminate(), receiver.terminate()]);
        if (death.died === 'decode worker') this.quarantine(pump, journal, ctx);
        journal?.close();
      });
    }
  }

  /**
   * The decode worker died (out of memory, a bug): the batch it was decoding goes to the journal's quarantine, so
   * that the restart that reads the journal again skips it rather than dying on it once more.
   */
  private quarantine(pump: BatchPump, journal: JournalReader | undefined, ctx: SourceContext): void {
    const position = pump.oldestInFlight();
    if (position && journal) {
      journal.quarantine(position);
      ctx.logger.error(
        { journal: describePosition(position) },
        'netflow: the decode worker died on the batch at this journal position: it is quarantined, and the next start skips it',
      );
    } else {
      ctx.logger.error(
        'netflow: the decode worker died; the batch it was decoding, if any, is lost with it (no journal)',
      );
    }
  }

  stats(): NetflowSourceStats {
    const received = this.receiver?.stats ?? NO_RECEIVE_STATS;
    const decoded = this.decoder?.stats ?? NO_DECODE_STATS;
    return {
      exporters: decoded.exporters,
      received: received.received,
      notAllowed: received.notAllowed,
      notAllowedByExporter: received.notAllowedByExporter,
      queueOverflow: received.overflow + this.memoryOverflow.total,
      queueOverflowByExporter: addCounts(received.overflowByExporter, this.memoryOverflow.bySenderObject()),
      kernelDrops: this.receiver?.kernelDrops(),
      exporterLimit: decoded.exporterLimit,
      failedPackets: addCountsByReason(decoded.failedPackets, this.pump?.quarantined.toObject() ?? {}),
      skippedRecords: decoded.skippedRecords,
      deadLettersOverBudget: decoded.deadLettersOverBudget,
      journaledPackets: received.journaledPackets,
      journalBytes: this.journal?.bytes ?? 0,
      reader: this.receiver?.reader,
    };
  }

  snapshot(): Promise<DecoderSnapshot> {
    return this.decoder?.snapshot() ?? Promise.resolve(this.options.snapshot ?? EMPTY_SNAPSHOT);
  }

  private decodeInit(): DecodeInit {
    const { options } = this;
    return {
      decoder: {
        templateTtlMs: options.templateTimeoutMs,
        samplingRateOverrides: options.samplingOverrides,
        maxTemplatesPerExporter: options.maxTemplatesPerExporter,
        maxPendingPerExporter: options.maxPendingPerExporter,
      },
      // A run after an earlier one goes on from the state that one ended with.
      snapshot: this.decoder?.lastSnapshot ?? options.snapshot ?? EMPTY_SNAPSHOT,
      localNetworks: this.localNetworks.cidrs,
    };
  }

  private receiveInit(journal: JournalReader | undefined): ReceiveInit {
    const { options } = this;
    return {
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
  }
}

export function createNetflowSource(
  options: NetflowSourceOptions,
  deps: { localNetworks: LocalNetworks },
): NetflowSource {
  return new UdpNetflowSource(options, deps.localNetworks);
}
