/** Messages between the NetFlow source and its decode worker (`decode-worker.ts`). */
import type { InterfaceTables } from '../../src/enrich/interface-names.js';
import type { EnrichmentSettings } from '../../src/enrich/settings.js';
import type { PackedBatch } from './datagram-batch.js';
import { type LimitHits, noHits } from './decode/budget.js';
import type { DecoderUsage } from './decode/decoder.js';
import type { ExporterStats } from './decode/exporter-stats.js';
import type { DecoderOptions } from './decode/settings.js';
import type { DecoderSnapshot } from './decode/snapshot.js';
import type { CountsByReason } from './problem-counts.js';

/** What the decode worker is started with. */
export interface DecodeInit {
  decoder: DecoderOptions;
  snapshot: DecoderSnapshot;
  /** CIDRs of `LocalNetworks`: the instance itself cannot cross the thread boundary. */
  localNetworks: readonly string[];
  /** What to add to each flow (GeoIP, applications, names…); the worker builds its enrichers from it. */
  enrichment?: EnrichmentSettings;
  /** The last SNMP poll's interface tables, so that a restarted worker has them at once. */
  polledInterfaces?: InterfaceTables;
}

/** The decoder's counters, as the worker last reported them. */
export interface DecodeStats {
  exporters: Record<string, ExporterStats>;
  /** Datagrams refused because too many exporters are tracked. */
  exporterLimit: number;
  /** Exporters forgotten to make room for new ones. */
  evictedExporters: number;
  limitHits: LimitHits;
  usage: DecoderUsage;
  /** What the worker left out, by exporter and reason (see `DecodeProblems`). */
  failedPackets: CountsByReason;
  skippedRecords: CountsByReason;
  deadLettersOverBudget: number;
}

export const NO_DECODE_STATS: DecodeStats = {
  exporters: {},
  exporterLimit: 0,
  evictedExporters: 0,
  limitHits: noHits(),
  usage: { exporters: 0, domains: 0, templateBytes: 0, pendingBytes: 0, optionNameBytes: 0 },
  failedPackets: {},
  skippedRecords: {},
  deadLettersOverBudget: 0,
};

export interface DecodeDeadLetter {
  origin: string;
  reason: string;
  /** The datagram, base64. */
  raw: string;
}

/** The size of a batch the worker is done with, to release it from the in-flight bounds. */
export interface DecodedBatch {
  packets: number;
  bytes: number;
}

export type ToDecodeWorker =
  | ({ type: 'batch' } & PackedBatch)
  | { type: 'snapshot'; id: number }
  /** A new SNMP poll's interface tables, replacing the last. */
  | { type: 'interfaces'; tables: InterfaceTables }
  /** Sent after the last batch: the worker answers `closed` once everything before it is decoded. */
  | { type: 'close' };

/**
 * Documents of a batch, in parts of at most `RESULT_PART_DOCS` so that a batch's documents are never all alive at
 * once; the batch's last part says so with `done`.
 */
export interface DecodeResults {
  type: 'results';
  done?: DecodedBatch;
  /** One entry per document, in parallel arrays: cheaper to clone than one object per document. */
  datasets: string[];
  ids: string[];
  jsons: string[];
  deadLetters: DecodeDeadLetter[];
  stats?: DecodeStats;
}

export type FromDecodeWorker =
  | { type: 'ready' }
  /** Something the worker could not do but went on without (a database not reloaded), for the log. */
  | { type: 'warning'; message: string; fields?: Record<string, unknown> }
  | DecodeResults
  | { type: 'stats'; stats: DecodeStats }
  | { type: 'snapshot'; id: number; snapshot: DecoderSnapshot }
  | { type: 'closed'; stats: DecodeStats; snapshot: DecoderSnapshot };
