import type { NetflowExporterSample, NetflowSample } from '../../src/observability/metrics.js';
import type { ExporterStats } from './decode/exporter-stats.js';
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
  /** Datagrams refused because too many exporters are tracked. */
  exporterLimit: number;
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
  /** What reads the socket, once it is bound. */
  reader?: 'native' | 'dgram';
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
    failedPackets: stats.failedPackets,
    skippedRecords: stats.skippedRecords,
    kernelDrops: stats.kernelDrops,
    journaledPackets: stats.journaledPackets,
    journalBytes: stats.journalBytes,
  };
}
