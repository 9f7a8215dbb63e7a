/** Counters per exporter (ip:port). */
export interface ExporterStats {
  packets: number;
  /** Flow records decoded. */
  records: number;
  optionsRecords: number;
  templates: number;
  templateWithdrawals: number;
  /** Templates refused by a bound: templates per exporter or domain, fields per template, template bytes. */
  templatesRejected: number;
  templatesExpired: number;
  /** Data sets that arrived before their template. */
  templateMisses: number;
  /** Of those, sets kept to decode once the template arrives, and how many were decoded that way. */
  buffered: number;
  bufferedDecoded: number;
  /** Buffered sets dropped unread: aged out, or pushed out by newer ones. */
  expired: number;
  malformed: number;
  /** Messages refused because the exporter, or all exporters, had as many observation domains as allowed. */
  domainsRejected: number;
  /** Estimated from sequence gaps: packets for v9, records for v5/v7 and IPFIX. */
  lostPackets: number;
  lostRecords: number;
  sequenceResets: number;
  outOfOrder: number;
}

export function emptyStats(): ExporterStats {
  return {
    packets: 0,
    records: 0,
    optionsRecords: 0,
    templates: 0,
    templateWithdrawals: 0,
    templatesRejected: 0,
    templatesExpired: 0,
    templateMisses: 0,
    buffered: 0,
    bufferedDecoded: 0,
    expired: 0,
    malformed: 0,
    domainsRejected: 0,
    lostPackets: 0,
    lostRecords: 0,
    sequenceResets: 0,
    outOfOrder: 0,
  };
}

/**
 * Adds (`sign` 1) or subtracts (-1) one exporter's counters; written out field by field because a loop over the
 * keys made summing 10,000 exporters take 27 ms instead of well under one.
 */
export function addStats(into: ExporterStats, from: ExporterStats, sign: 1 | -1 = 1): void {
  into.packets += sign * from.packets;
  into.records += sign * from.records;
  into.optionsRecords += sign * from.optionsRecords;
  into.templates += sign * from.templates;
  into.templateWithdrawals += sign * from.templateWithdrawals;
  into.templatesRejected += sign * from.templatesRejected;
  into.templatesExpired += sign * from.templatesExpired;
  into.templateMisses += sign * from.templateMisses;
  into.buffered += sign * from.buffered;
  into.bufferedDecoded += sign * from.bufferedDecoded;
  into.expired += sign * from.expired;
  into.malformed += sign * from.malformed;
  into.domainsRejected += sign * from.domainsRejected;
  into.lostPackets += sign * from.lostPackets;
  into.lostRecords += sign * from.lostRecords;
  into.sequenceResets += sign * from.sequenceResets;
  into.outOfOrder += sign * from.outOfOrder;
}
