import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import ipaddr from 'ipaddr.js';
import type { Logger } from 'pino';
import type { InterfaceTables } from '../../src/enrich/interface-names.js';
import type { EnrichmentSettings } from '../../src/enrich/settings.js';
import { LogThrottle } from '../../src/observability/throttle.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { BatchPump } from './batch-pump.js';
import { type BatchQueue, JournalQueue, MemoryQueue } from './batch-queue.js';
import type { LimitHits, LimitName } from './decode/budget.js';
import type { ExporterStats } from './decode/exporter-stats.js';
import { type DecoderLimits, decoderSettings } from './decode/settings.js';
import type { DecoderSnapshot } from './decode/snapshot.js';
import { type DecodeInit, type DecodeStats, NO_DECODE_STATS } from './decode-protocol.js';
import { DecodeWorkerHandle } from './decode-worker-handle.js';
import { DropCounts } from './drop-counts.js';
import { describePosition, JournalReader, type JournalReaderTrouble } from './journal.js';
import { LimitWarnings } from './limit-warnings.js';
import { addCountsByReason } from './problem-counts.js';
import { type NetflowReceiverKind, NO_RECEIVE_STATS, type ReceiveInit } from './receive-protocol.js';
import { ReceiveWorkerHandle } from './receive-worker-handle.js';
import type { NetflowSourceStats } from './source-stats.js';
import { WorkerDeath } from './worker-death.js';

export interface NetflowSourceOptions {
  /** `enrichment` of the configuration: the decode worker adds these fields (and names) to each flow. */
  enrichment?: EnrichmentSettings;
  /** Listen address; an IPv6 address (e.g. `::`) opens an IPv6 (dual-stack) socket. Default 0.0.0.0. */
  host?: string;
  /** Default 2055; 0 picks a free port (see `onListening`). */
  port?: number;
  /**
   * SO_RCVBUF: absorbs bursts while the receiving thread is busy. The kernel caps it at `net.core.rmem_max`;
   * a smaller grant is logged as a warning.
   */
  recvBufferSize?: number;
  reusePort?: boolean;
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
  /** What the decoder may hold (exporters, domains, templates, pending sets); see `DecoderOptions`. */
  limits?: DecoderLimits;
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
  journal?: {
    dir: string;
    maxBytes: number;
    /** Free space on the journal's file system below which datagrams are dropped (and counted). Default 0: none. */
    minFreeBytes?: number;
  };
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
  /** Interface names an SNMP poll found, for the flows decoded from now on (and by decode workers started later). */
  setPolledInterfaces(tables: InterfaceTables): void;
}

/**
 * Default of `maxUnwrittenDocs`. The pipeline's own bound (`queue.max_records`, 100 000 by default) would keep about
 * 100 MB of documents in memory whenever the outputs are slower than decoding.
 */
const MAX_UNWRITTEN_DOCS = 16_384;
/** Batches appended to the journal but not yet in the file beyond which the disk is too slow and they are dropped. */
const MAX_PENDING_JOURNAL_BYTES = 64 * 1024 * 1024;
const EMPTY_SNAPSHOT: DecoderSnapshot = { version: 1, exporters: [] };
/** How often the decoder's counters are looked at for bounds hit (which are logged at most once a minute). */
const LIMIT_CHECK_MS = 1000;
/**
 * Decode workers started in place of dead ones per minute at most: one that dies again and again (out of memory on
 * every batch, say) ends the run instead, so that the failure is seen.
 */
const MAX_DECODER_RESTARTS_PER_MINUTE = 3;

/** The counters of a worker that died, added to those of the one that replaced it. */
function addDecodeStats(a: DecodeStats, b: DecodeStats): DecodeStats {
  const exporters: Record<string, ExporterStats> = { ...a.exporters };
  for (const [exporter, stats] of Object.entries(b.exporters)) {
    const sum = { ...(exporters[exporter] ?? stats) };
    if (exporters[exporter]) {
      for (const key of Object.keys(sum) as Array<keyof ExporterStats>) sum[key] += stats[key];
    }
    exporters[exporter] = sum;
  }
  return {
    exporters,
    exporterLimit: a.exporterLimit + b.exporterLimit,
    evictedExporters: a.evictedExporters + b.evictedExporters,
    limitHits: Object.fromEntries(
      Object.entries(a.limitHits).map(([limit, n]) => [limit, n + b.limitHits[limit as LimitName]]),
    ) as LimitHits,
    // What the decoder holds now is what the live worker holds.
    usage: b.usage,
    failedPackets: addCountsByReason(a.failedPackets, b.failedPackets),
    skippedRecords: addCountsByReason(a.skippedRecords, b.skippedRecords),
    deadLettersOverBudget: a.deadLettersOverBudget + b.deadLettersOverBudget,
  };
}

/** Sums two per-exporter counts. */
function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [key, n] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + n;
  return sum;
}

/** Logs what the journal's reader could not do on disk, once a minute per kind: a full disk repeats it. */
function journalTroubleLogger(logger: Logger): (trouble: JournalReaderTrouble) => void {
  const throttle = new LogThrottle();
  return (trouble) => {
    const suppressed = throttle.admit(trouble.type);
    if (suppressed === undefined) return;
    const err = trouble.err?.message;
    switch (trouble.type) {
      case 'cursor-not-saved':
        logger.warn({ err, since_last: suppressed }, 'netflow: cannot save the journal cursor; retrying');
        break;
      case 'segment-not-deleted':
        logger.warn(
          { err, path: trouble.path, since_last: suppressed },
          'netflow: cannot delete a journal segment',
        );
        break;
      case 'unreadable':
        logger.warn(
          { err, path: trouble.path, bytes: trouble.bytes, since_last: suppressed },
          'netflow: skipped journal bytes that are not whole entries (torn by a crash or unreadable)',
        );
        break;
    }
  };
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
  /** Counters of decode workers that died and were replaced. */
  private retiredStats = NO_DECODE_STATS;
  private stopping = false;
  private polledInterfaces: InterfaceTables | undefined;
  private readonly restarts: number[] = [];

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
    const journal = options.journal
      ? new JournalReader(options.journal.dir, { onTrouble: journalTroubleLogger(ctx.logger) })
      : undefined;
    this.journal = journal;
    if (journal?.cursorUnreadable) {
      ctx.logger.warn(
        { dir: options.journal?.dir },
        'netflow: the journal cursor is unreadable; decoding the journal from its start (written flows keep their ids)',
      );
    }
    if (journal && journal.bytes > 0) {
      ctx.logger.info({ bytes: journal.bytes }, 'netflow: decoding what the last run had not written');
    }
    const death = new WorkerDeath();
    this.stopping = false;
    // The workers' callbacks reach `pump`, made below from the queue, only once they answer: after this turn.
    const startDecoder = (): DecodeWorkerHandle => {
      const handle = new DecodeWorkerHandle(
        this.decodeInit(),
        new WorkerDeath(),
        (results) => pump.results(results),
        options.startDecodeWorker,
        (message, fields) => ctx.logger.warn(fields ?? {}, message),
      );
      handle
        .died()
        .catch((err: Error) => this.decoderDied(handle, err, { ctx, journal, pump, death, startDecoder }));
      return handle;
    };
    const decoder = startDecoder();
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
    const warnings = new LimitWarnings(decoderSettings(this.decodeInit().decoder), ctx.logger);
    // The live worker's counters with those of any it replaced, so that hits are not seen twice after a restart.
    const checking = setInterval(() => warnings.check(this.decodedStats()), LIMIT_CHECK_MS).unref();
    try {
      await death.race(Promise.race([decoder.ready, decoder.died()]));
      pump.pump();
      await death.race(receiver.bound);
      await death.race(aborted(ctx.signal));
    } finally {
      this.stopping = true;
      // The receiver closes the socket and queues its last batch; what was read is still decoded and emitted,
      // but for the journal's backlog, which waits for the next run. The decode worker answers `closed` after the
      // last batch.
      await death.race(receiver.close()).catch(() => {});
      pump.close();
      clearInterval(checking);
      const last = this.decoder as DecodeWorkerHandle;
      let lastDied = false;
      await death
        .race(last.close())
        .catch((err: unknown) => {
          lastDied = true;
          throw err;
        })
        .finally(async () => {
          // Once the workers have exited, every message the decode worker sent has been read (Node drains its
          // port before 'exit'), so the pump knows which batch it died on.
          await Promise.all([last.terminate(), receiver.terminate()]);
          if (lastDied || death.died === 'decode worker') this.quarantine(pump, journal, ctx);
          journal?.close();
        });
    }
  }

  /**
   * A decode worker died while the source runs (out of memory, a bug): the batch it was decoding is quarantined,
   * what it had in flight is read again from the journal, and a new worker goes on from the decoder's last
   * snapshot. Without a journal nothing can be read again, and the run fails as it does when workers die too
   * often.
   */
  private async decoderDied(
    handle: DecodeWorkerHandle,
    err: Error,
    run: {
      ctx: SourceContext;
      journal: JournalReader | undefined;
      pump: BatchPump;
      death: WorkerDeath;
      startDecoder: () => DecodeWorkerHandle;
    },
  ): Promise<void> {
    // While stopping, `run` itself quarantines and fails.
    if (this.stopping || handle !== this.decoder) return;
    const { ctx, journal, pump, death } = run;
    await handle.terminate();
    if (this.stopping) return;
    const now = Date.now();
    while (this.restarts.length > 0 && now - this.restarts[0] >= 60_000) this.restarts.shift();
    if (!journal || this.restarts.length >= MAX_DECODER_RESTARTS_PER_MINUTE) {
      // `run` stops, and quarantines the batch as it does for a worker that dies while stopping.
      death.fail('decode worker', err);
      return;
    }
    this.restarts.push(now);
    const position = pump.oldestInFlight();
    if (position) {
      journal.quarantine(position);
      journal.rewind(position);
    }
    ctx.logger.error(
      { err, journal: position ? describePosition(position) : undefined },
      'netflow: the decode worker died; the batch it was decoding is quarantined and skipped, a new worker goes on',
    );
    // What the worker last reported, at most `STATS_INTERVAL_MS` old: a death loses the counts of its last moments.
    this.retiredStats = addDecodeStats(this.retiredStats, handle.stats);
    const next = run.startDecoder();
    this.decoder = next;
    pump.replaceDecoder(next);
    pump.pump();
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
    } else if (pump.batchesInFlight > 0) {
      ctx.logger.error(
        'netflow: the decode worker died; without a journal, the batch it was decoding is lost',
      );
    } else {
      ctx.logger.error('netflow: the decode worker died between batches');
    }
  }

  /** The decode worker's counters, with those of the workers it replaced. */
  private decodedStats(): DecodeStats {
    const current = this.decoder?.stats ?? NO_DECODE_STATS;
    return this.retiredStats === NO_DECODE_STATS ? current : addDecodeStats(this.retiredStats, current);
  }

  stats(): NetflowSourceStats {
    const received = this.receiver?.stats ?? NO_RECEIVE_STATS;
    const decoded = this.decodedStats();
    return {
      exporters: decoded.exporters,
      received: received.received,
      notAllowed: received.notAllowed,
      notAllowedByExporter: received.notAllowedByExporter,
      queueOverflow: received.overflow + this.memoryOverflow.total,
      queueOverflowByExporter: addCounts(received.overflowByExporter, this.memoryOverflow.bySenderObject()),
      kernelDrops: this.receiver?.kernelDrops(),
      exporterLimit: decoded.exporterLimit,
      evictedExporters: decoded.evictedExporters,
      limitHits: decoded.limitHits,
      decoderUsage: decoded.usage,
      failedPackets: addCountsByReason(decoded.failedPackets, this.pump?.quarantined.toObject() ?? {}),
      skippedRecords: decoded.skippedRecords,
      deadLettersOverBudget: decoded.deadLettersOverBudget,
      journaledPackets: received.journaledPackets,
      journalBytes: this.journal?.bytes ?? 0,
      journalDropped: received.journalDropped as Record<string, number>,
      reader: this.receiver?.reader,
    };
  }

  setPolledInterfaces(tables: InterfaceTables): void {
    this.polledInterfaces = tables;
    this.decoder?.setPolledInterfaces(tables);
  }

  snapshot(): Promise<DecoderSnapshot> {
    return this.decoder?.snapshot() ?? Promise.resolve(this.options.snapshot ?? EMPTY_SNAPSHOT);
  }

  private decodeInit(): DecodeInit {
    const { options } = this;
    return {
      decoder: {
        ...options.limits,
        templateTtlMs: options.templateTimeoutMs,
        samplingRateOverrides: options.samplingOverrides,
      },
      // A run after an earlier one goes on from the state that one ended with.
      snapshot: this.decoder?.lastSnapshot ?? options.snapshot ?? EMPTY_SNAPSHOT,
      localNetworks: this.localNetworks.cidrs,
      enrichment: options.enrichment,
      polledInterfaces: this.polledInterfaces,
    };
  }

  private receiveInit(journal: JournalReader | undefined): ReceiveInit {
    const { options } = this;
    return {
      host: options.host ?? '0.0.0.0',
      port: options.port ?? 2055,
      recvBufferSize: options.recvBufferSize,
      reusePort: options.reusePort,
      receiver: options.receiver ?? 'auto',
      allowedExporters: options.allowedExporters ?? [],
      batchSize: options.batchSize ?? 256,
      journal:
        journal && options.journal
          ? {
              dir: options.journal.dir,
              maxBytes: options.journal.maxBytes,
              maxPendingBytes: MAX_PENDING_JOURNAL_BYTES,
              minFreeBytes: options.journal.minFreeBytes ?? 0,
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
