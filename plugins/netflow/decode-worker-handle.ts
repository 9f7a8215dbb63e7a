import type { Worker } from 'node:worker_threads';
import type { InterfaceTables } from '../../src/enrich/interface-names.js';
import type { PackedBatch } from './datagram-batch.js';
import type { DecoderSnapshot } from './decode/snapshot.js';
import {
  type DecodeInit,
  type DecodeResults,
  type DecodeStats,
  type FromDecodeWorker,
  NO_DECODE_STATS,
  type ToDecodeWorker,
} from './decode-protocol.js';
import { startDecodeWorker } from './decode-worker.js';
import type { WorkerDeath } from './worker-death.js';

/**
 * The source's side of the decode worker (`decode-worker.ts`): hands it batches, passes the documents it sends
 * back to `onResults`, keeps its latest counters and asks it for snapshots of the decoder's state.
 */
export class DecodeWorkerHandle {
  /** Resolves once the worker has restored the snapshot it was started with and takes batches. */
  readonly ready: Promise<void>;
  private readonly closed: Promise<void>;
  private readonly worker: Worker;
  private onReady: () => void = () => {};
  private onClosed: () => void = () => {};
  private latestStats = NO_DECODE_STATS;
  private latestSnapshot: DecoderSnapshot;
  private answering = false;
  private nextRequest = 0;
  private readonly snapshotRequests = new Map<number, (snapshot: DecoderSnapshot) => void>();

  constructor(
    init: DecodeInit,
    private readonly death: WorkerDeath,
    private readonly onResults: (results: DecodeResults) => void,
    start: (init: DecodeInit) => Worker = startDecodeWorker,
    private readonly onWarning: (message: string, fields?: Record<string, unknown>) => void = () => {},
  ) {
    this.latestSnapshot = init.snapshot;
    this.ready = new Promise<void>((resolve) => {
      this.onReady = resolve;
    });
    this.closed = new Promise<void>((resolve) => {
      this.onClosed = resolve;
    });
    this.worker = start(init);
    this.worker.on('message', (message: FromDecodeWorker) => this.handle(message));
    death.watch(this.worker, 'decode worker');
  }

  /** Counters pushed by the worker at most `STATS_INTERVAL_MS` apart while batches flow, and after the last. */
  get stats(): DecodeStats {
    return this.latestStats;
  }

  /** The decoder's state while the worker does not answer: the one it started from, then the one it ended with. */
  get lastSnapshot(): DecoderSnapshot {
    return this.latestSnapshot;
  }

  /** The state the decoder would restart from now: asked of the worker while it answers. */
  snapshot(): Promise<DecoderSnapshot> {
    if (!this.answering) return Promise.resolve(this.latestSnapshot);
    const id = this.nextRequest++;
    const answer = new Promise<DecoderSnapshot>((resolve) => this.snapshotRequests.set(id, resolve));
    this.send({ type: 'snapshot', id });
    return this.death.race(answer);
  }

  /** Hands the worker a new SNMP poll's interface tables. */
  setPolledInterfaces(tables: InterfaceTables): void {
    this.send({ type: 'interfaces', tables });
  }

  /** The worker owns `batch.buffer` from now on. */
  decode(batch: PackedBatch): void {
    this.send({ type: 'batch', buffer: batch.buffer, packets: batch.packets }, [batch.buffer]);
  }

  /** Resolves once the worker has decoded every batch sent before and reported its final state. */
  close(): Promise<void> {
    this.send({ type: 'close' });
    return this.death.race(this.closed);
  }

  /** Rejects once the worker has died, with what ended it. */
  died(): Promise<never> {
    return this.death.race(new Promise<never>(() => {}));
  }

  terminate(): Promise<number> {
    this.answering = false;
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }

  private send(message: ToDecodeWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(message, transfer);
  }

  private handle(message: FromDecodeWorker): void {
    switch (message.type) {
      case 'warning':
        this.onWarning(message.message, message.fields);
        break;
      case 'ready':
        this.answering = true;
        this.onReady();
        break;
      case 'results':
        if (message.stats) this.latestStats = message.stats;
        this.onResults(message);
        break;
      case 'stats':
        this.latestStats = message.stats;
        break;
      case 'snapshot':
        // Also what a worker started after this one died goes on from.
        this.latestSnapshot = message.snapshot;
        this.snapshotRequests.get(message.id)?.(message.snapshot);
        this.snapshotRequests.delete(message.id);
        break;
      case 'closed':
        this.latestStats = message.stats;
        this.latestSnapshot = message.snapshot;
        this.answering = false;
        // Requests that crossed `close` on their way are answered with the final state.
        for (const answer of this.snapshotRequests.values()) answer(message.snapshot);
        this.snapshotRequests.clear();
        this.onClosed();
        break;
    }
  }
}
