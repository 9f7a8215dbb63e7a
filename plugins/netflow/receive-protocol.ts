/** Messages between the NetFlow source and its receiving worker (`receive-worker.ts`). */
import type { AddressInfo } from 'node:net';
import type { PackedBatch } from './datagram-batch.js';
import type { JournalDropReason } from './journal.js';

/** What reads the socket: the native recvmmsg thread (`native-receiver.ts`) or Node's dgram. */
export type NetflowReceiverKind = 'auto' | 'native' | 'dgram';

/** What the receiving worker is started with. */
export interface ReceiveInit {
  host: string;
  port: number;
  recvBufferSize?: number;
  /** SO_REUSEPORT: several collectors share the port, the kernel keeps each exporter on one of them. */
  reusePort?: boolean;
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
    minFreeBytes: number;
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
  /** Datagrams the journal refused or lost, by why (they are in `overflow` too). */
  journalDropped: Partial<Record<JournalDropReason, number>>;
}

export const NO_RECEIVE_STATS: ReceiveStats = {
  received: 0,
  notAllowed: 0,
  notAllowedByExporter: {},
  overflow: 0,
  overflowByExporter: {},
  journaledPackets: 0,
  journalDropped: {},
};

export type ToReceiver =
  /** The reader deleted journal segments of this many bytes. */
  | { type: 'freed'; bytes: number }
  /** Close the socket, write what is queued, answer `closed`. */
  | { type: 'close' };

/** A batch waits for decoding. */
export type BatchArrival =
  /** Without a journal: the batch itself. */
  | ({ type: 'batch' } & PackedBatch)
  /** An entry of `length` bytes is in journal segment `seq`. */
  | { type: 'appended'; seq: number; length: number }
  /** Journal segment `seq` takes no more entries (see `JournalWriterOptions.onSealed`). */
  | { type: 'sealed'; seq: number };

export type FromReceiver =
  /** `granted`: the socket's receive buffer for data. */
  | { type: 'listening'; address: AddressInfo; granted: number; reader: 'native' | 'dgram' }
  /** `auto` fell back to Node's dgram. */
  | { type: 'native-unavailable'; reason: string }
  | { type: 'bind-failed'; message: string; code?: string }
  | { type: 'socket-error'; message: string }
  /**
   * The journal refuses or loses datagrams, for `reason`: posted at most once a minute per reason, with the number
   * of times it happened since the previous one, and the error when a write failed.
   */
  | { type: 'journal-dropping'; reason: JournalDropReason; suppressed: number; message?: string }
  | BatchArrival
  | { type: 'stats'; stats: ReceiveStats }
  | { type: 'closed'; stats: ReceiveStats };
