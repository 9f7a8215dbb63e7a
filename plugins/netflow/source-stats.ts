import type { NetflowExporterSample, NetflowSample } from '../../src/observability/metrics.js';
import type { LimitHits } from './decode/budget.js';
import { type DecoderUsage, OTHER_EXPORTERS } from './decode/decoder.js';
import type { ExporterStats } from './decode/exporter-stats.js';
import { DECODER_DEFAULTS } from './decode/settings.js';
import type { CountsByReason } from './problem-counts.js';

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
  /** Datagrams refused because too many exporters are tracked (and none could give up its slot). */
  exporterLimit: number;
  /** Exporters forgotten to make room for new ones. */
  evictedExporters: number;
  /** How often each of the decoder's bounds was hit. */
  limitHits: LimitHits;
  /** What the decoder holds now, against those bounds. */
  decoderUsage: DecoderUsage;
  /**
   * By exporter and reason: datagrams of which nothing was kept (`error`: decoding threw; `quarantined`: in the
   * batch a decode worker died on), and flow records left out of datagrams otherwise kept (`invalid-time`, `error`).
   */
  failedPackets: CountsByReason;
  skippedRecords: CountsByReason;
  /** Dead letters of those left out once the per-minute budget was spent. */
  deadLettersOverBudget: number;
  /** Datagrams that went through the journal, and the bytes in it not yet known to be written. */
  journaledPackets: number;
  journalBytes: number;
  /** Datagrams the journal refused or lost, by why (`JournalDropReason`); part of `queueOverflow`. */
  journalDropped: Record<string, number>;
  /** What reads the socket, once it is bound. */
  reader?: 'native' | 'dgram';
}

function datagrams(sample: Partial<NetflowExporterSample>): number {
  return (sample.packets ?? 0) + (sample.notAllowed ?? 0) + (sample.queueOverflow ?? 0);
}

/**
 * The source's counters in the shape `/metrics` exports them (`Metrics.netflow`), with at most `maxSeries`
 * exporters by name, those that sent most, and the others summed under exporter `other`: a flood of spoofed
 * sources then adds to one series instead of one per source.
 */
export function netflowSample(
  stats: NetflowSourceStats,
  maxSeries: number = DECODER_DEFAULTS.maxExporterSeries,
): NetflowSample {
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
  const ranked = Object.entries(exporters)
    .filter(([exporter]) => exporter !== OTHER_EXPORTERS)
    .sort((a, b) => datagrams(b[1]) - datagrams(a[1]));
  const named: Record<string, Partial<NetflowExporterSample>> = {};
  for (const [exporter, sample] of ranked.slice(0, maxSeries)) named[exporter] = sample;
  const other: Partial<NetflowExporterSample> = { ...exporters[OTHER_EXPORTERS] };
  for (const [, sample] of ranked.slice(maxSeries)) {
    for (const [key, n] of Object.entries(sample) as Array<[keyof NetflowExporterSample, number]>) {
      other[key] = (other[key] ?? 0) + n;
    }
  }
  if (Object.keys(other).length > 0) named[OTHER_EXPORTERS] = other;
  return {
    exporters: named,
    failedPackets: namedOrOther(stats.failedPackets, named),
    skippedRecords: namedOrOther(stats.skippedRecords, named),
    kernelDrops: stats.kernelDrops,
    journaledPackets: stats.journaledPackets,
    journalBytes: stats.journalBytes,
    journalDropped: stats.journalDropped,
    refusedExporterPackets: stats.exporterLimit,
    evictedExporters: stats.evictedExporters,
    limitHits: stats.limitHits,
    decoderUsage: stats.decoderUsage,
  };
}

/** Problem counts of exporters that have no series of their own summed under "other", as their other counters are. */
function namedOrOther(counts: CountsByReason, named: Record<string, unknown>): CountsByReason {
  const folded: CountsByReason = {};
  for (const [exporter, reasons] of Object.entries(counts)) {
    const key = exporter in named ? exporter : OTHER_EXPORTERS;
    const into = folded[key] ?? {};
    folded[key] = into;
    for (const [reason, n] of Object.entries(reasons)) into[reason] = (into[reason] ?? 0) + n;
  }
  return folded;
}
