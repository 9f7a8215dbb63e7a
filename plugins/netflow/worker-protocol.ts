import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ExporterStats } from './decode/exporter-stats.js';
import type { DecoderOptions } from './decode/settings.js';
import type { DecoderSnapshot } from './decode/snapshot.js';

/** What the decode worker is started with (`workerData`). */
export interface WorkerInit {
  decoder: DecoderOptions;
  snapshot?: DecoderSnapshot;
  /** CIDRs of `LocalNetworks`: the instance itself cannot cross the thread boundary. */
  localNetworks: readonly string[];
}

/** The decoder's counters, as the worker last reported them. */
export interface WorkerStats {
  exporters: Record<string, ExporterStats>;
  /** Datagrams refused because too many exporters are tracked. */
  exporterLimit: number;
}

export interface WorkerDeadLetter {
  origin: string;
  reason: string;
  /** The datagram, base64. */
  raw: string;
}

export type ToWorker =
  /** `ticket` comes back with the results: set for batches read from the journal. */
  | { type: 'batch'; buffer: ArrayBuffer; packets: number; ticket?: number }
  | { type: 'snapshot'; id: number }
  /** Sent after the last batch: the worker answers `closed` once everything before it is decoded. */
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  | {
      /**
       * Documents of a batch, in parts of at most `RESULT_PART_DOCS` so that a batch's documents are never all
       * alive at once; the batch's last part says so with `done`.
       */
      type: 'results';
      /** The batch's size, to release it from the in-flight bounds, and its journal ticket. */
      done?: { packets: number; bytes: number; ticket?: number };
      /** One entry per document, in parallel arrays: cheaper to clone than one object per document. */
      datasets: string[];
      ids: string[];
      jsons: string[];
      deadLetters: WorkerDeadLetter[];
      stats?: WorkerStats;
    }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'snapshot'; id: number; snapshot: DecoderSnapshot }
  | { type: 'closed'; stats: WorkerStats; snapshot: DecoderSnapshot };

/** What reads the socket: the native recvmmsg thread (`native-receiver.ts`) or Node's dgram. */
export type NetflowReceiverKind = 'auto' | 'native' | 'dgram';

/** What the receiving worker is started with (`workerData`). */
export interface ReceiveInit {
  host: string;
  port: number;
  recvBufferSize?: number;
  /** `auto`: the native receiver where it is built, else Node's dgram. */
  receiver: NetflowReceiverKind;
  /** CIDRs; empty accepts every exporter. */
  allowedExporters: string[];
  batchSize: number;
  /** Without it, batches are posted to the owning thread instead. */
  journal?: {
    dir: string;
    maxBytes: number;
    maxPendingBytes: number;
    nextSeq: number;
    heldBytes: number;
  };
}

/** The receiving worker's counters. */
export interface ReceiveStats {
  received: number;
  notAllowed: number;
  notAllowedByExporter: Record<string, number>;
  /** Datagrams the journal refused or lost. */
  overflow: number;
  overflowByExporter: Record<string, number>;
  journaledPackets: number;
}

export type ToReceiver =
  /** The reader deleted journal segments of this many bytes. */
  | { type: 'freed'; bytes: number }
  /** Close the socket, write what is queued, answer `closed`. */
  | { type: 'close' };

export type FromReceiver =
  /** `granted`: the socket's receive buffer for data. */
  | { type: 'listening'; address: AddressInfo; granted: number; reader: 'native' | 'dgram' }
  /** `auto` fell back to Node's dgram. */
  | { type: 'native-unavailable'; reason: string }
  | { type: 'bind-failed'; message: string; code?: string }
  | { type: 'socket-error'; message: string }
  | { type: 'journal-error'; message: string }
  /** Without a journal: a batch to queue. */
  | { type: 'batch'; buffer: ArrayBuffer; packets: number }
  /** An entry of `length` bytes is in journal segment `seq`. */
  | { type: 'appended'; seq: number; length: number }
  | { type: 'stats'; stats: ReceiveStats }
  | { type: 'closed'; stats: ReceiveStats };

/**
 * How to start a worker of this folder (`decode-worker`, `receive-worker`): its compiled entry next to this module
 * when running from `dist/`, else the TypeScript source (under tsx or vitest). Node 20 applies no loader hooks to a
 * worker's entry module, neither inherited ones nor `--import tsx` in its `execArgv`, so a small module registers
 * tsx in the worker first.
 */
export function workerEntry(name: 'decode-worker' | 'receive-worker'): {
  script: URL | string;
  eval: boolean;
} {
  const compiled = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return { script: compiled, eval: false };
  const source = new URL(`./${name}.ts`, import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  return {
    script: `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`,
    eval: true,
  };
}
