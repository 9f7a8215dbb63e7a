import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { JournalDropReason } from './journal.js';
import {
  type BatchArrival,
  type FromReceiver,
  NO_RECEIVE_STATS,
  type ReceiveInit,
  type ReceiveStats,
  type ToReceiver,
} from './receive-protocol.js';
import { startReceiveWorker } from './receive-worker.js';
import { kernelDrops } from './socket-drops.js';
import type { WorkerDeath } from './worker-death.js';

const JOURNAL_DROP_WHY: Record<JournalDropReason, string> = {
  journal_full: 'full (inputs.netflow.journal.max_bytes)',
  disk_full: 'disk full or below inputs.netflow.journal.min_free_bytes of free space',
  disk_error: 'cannot write to the disk',
  disk_slow: 'writes behind: the disk is not keeping up',
};

export interface ReceiverEvents {
  logger: Logger;
  onListening?: (address: AddressInfo) => void;
  /** A batch waits for decoding: in the journal, or (without one) posted with the message. */
  onArrival: (arrival: BatchArrival) => void;
}

/**
 * The source's side of the receiving worker (`receive-worker.ts`): logs what it reports about the socket, passes
 * on the batches it queued, keeps its latest counters, and tells it what the journal's reader freed.
 */
export class ReceiveWorkerHandle {
  /** Resolves once the socket listens; rejects when it cannot be opened. */
  readonly bound: Promise<void>;
  private readonly closed: Promise<void>;
  private readonly worker: Worker;
  private onBound: () => void = () => {};
  private onBindFailed: (err: Error) => void = () => {};
  private onClosed: () => void = () => {};
  private latestStats = NO_RECEIVE_STATS;
  private boundReader: 'native' | 'dgram' | undefined;
  private boundPort: number | undefined;
  /** Read just before the socket closes: afterwards the port may belong to another socket. */
  private dropsAtClose: number | undefined;

  constructor(
    private readonly init: ReceiveInit,
    death: WorkerDeath,
    private readonly events: ReceiverEvents,
  ) {
    this.bound = new Promise<void>((resolve, reject) => {
      this.onBound = resolve;
      this.onBindFailed = reject;
    });
    this.bound.catch(() => {});
    this.closed = new Promise<void>((resolve) => {
      this.onClosed = resolve;
    });
    this.worker = startReceiveWorker(init);
    this.worker.on('message', (message: FromReceiver) => this.handle(message));
    death.watch(this.worker, 'receiving worker');
  }

  get stats(): ReceiveStats {
    return this.latestStats;
  }

  /** What reads the socket, once it is bound. */
  get reader(): 'native' | 'dgram' | undefined {
    return this.boundReader;
  }

  /** Datagrams the kernel dropped on the socket; undefined before binding or off Linux. */
  kernelDrops(): number | undefined {
    return this.boundPort === undefined ? this.dropsAtClose : kernelDrops(this.boundPort);
  }

  /** The journal's reader deleted segments of this many bytes. */
  freed(bytes: number): void {
    this.send({ type: 'freed', bytes });
  }

  /** Resolves once the socket is closed and the last batch read is queued. */
  close(): Promise<void> {
    if (this.boundPort !== undefined) this.dropsAtClose = kernelDrops(this.boundPort);
    this.boundPort = undefined;
    this.send({ type: 'close' });
    return this.closed;
  }

  terminate(): Promise<number> {
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }

  private send(message: ToReceiver): void {
    this.worker.postMessage(message);
  }

  private handle(message: FromReceiver): void {
    const { logger } = this.events;
    switch (message.type) {
      case 'listening': {
        this.boundPort = message.address.port;
        this.boundReader = message.reader;
        const requested = this.init.recvBufferSize;
        if (requested && message.granted < requested) {
          logger.warn(
            { requested, granted: message.granted },
            'netflow: the kernel granted a smaller socket receive buffer than configured; raise net.core.rmem_max',
          );
        }
        this.events.onListening?.(message.address);
        logger.info({ address: message.address, reader: message.reader }, 'netflow: listening');
        this.onBound();
        break;
      }
      case 'native-unavailable':
        logger.warn(
          { reason: message.reason },
          "netflow: native UDP receiver unavailable, reading with Node's dgram, which loses datagrams at lower rates",
        );
        break;
      case 'bind-failed':
        this.onBindFailed(Object.assign(new Error(message.message), { code: message.code }));
        break;
      case 'socket-error':
        logger.warn({ err: message.message }, 'netflow: socket error');
        break;
      case 'journal-dropping':
        logger.warn(
          { reason: message.reason, err: message.message, since_last: message.suppressed },
          `netflow: journal ${JOURNAL_DROP_WHY[message.reason]}; datagrams dropped and counted`,
        );
        break;
      case 'batch':
      case 'appended':
      case 'sealed':
        this.events.onArrival(message);
        break;
      case 'stats':
        this.latestStats = message.stats;
        break;
      case 'closed':
        this.latestStats = message.stats;
        this.onClosed();
        break;
    }
  }
}
