import type { NetflowExporterSample, NetflowSample } from '../../src/observability/metrics.js';
import type { ExporterStats } from './decode/exporter-stats.js';

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
  /** Datagrams the journal refused or lost, by why (`JournalDropReason`); part of `queueOverflow`. */
  journalDropped: Record<string, number>;
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
    kernelDrops: stats.kernelDrops,
    journaledPackets: stats.journaledPackets,
    journalBytes: stats.journalBytes,
    journalDropped: stats.journalDropped,
  };
}
