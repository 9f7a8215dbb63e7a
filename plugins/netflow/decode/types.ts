import type { DomainState } from './exporter-state.js';
import type { CompiledTemplate } from './template.js';

/** A decoded field: numbers (counters, ids, epoch ms for dateTime types), text (addresses, strings, hex), booleans. */
export type FieldValue = number | string | boolean | undefined;

/** What every record of one export packet (NetFlow/IPFIX message) shares. */
export interface PacketInfo {
  exporter: string;
  port: number;
  /** 1, 5, 7, 9 or 10 (IPFIX). */
  version: number;
  /** v9 source id, IPFIX observation domain id, v5 engine type << 8 | engine id. */
  domainId: number;
  sequence: number;
  /** Header export time, epoch ms. */
  exportTime: number;
  /** Header sysUptime in ms (v1/v5/v7/v9); -1 for IPFIX, which has none. */
  sysUptime: number;
  receivedAt: number;
  domain: DomainState;
}

export interface DecodedRecord {
  packet: PacketInfo;
  template: CompiledTemplate;
  /** Parallel to `template.fields`. */
  values: FieldValue[];
  /** Position of the record in its message: with exporter, domain and sequence it identifies the record. */
  index: number;
  /** 1 when unsampled or unknown. */
  samplingRate: number;
}

export type DecodeErrorKind =
  | 'truncated'
  | 'unsupported-version'
  | 'bad-length'
  | 'bad-count'
  | 'bad-set'
  | 'bad-template'
  | 'exporter-limit';

export interface DecodeResult {
  records: DecodedRecord[];
  /** Set when (part of) the packet was rejected; records decoded before the problem are still returned. */
  error?: DecodeErrorKind;
}

/** Counters per exporter (ip:port). */
export interface ExporterStats {
  packets: number;
  /** Flow records decoded. */
  records: number;
  optionsRecords: number;
  templates: number;
  templateWithdrawals: number;
  /** Templates refused because the exporter reached `maxTemplatesPerExporter`. */
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
    lostPackets: 0,
    lostRecords: 0,
    sequenceResets: 0,
    outOfOrder: 0,
  };
}
