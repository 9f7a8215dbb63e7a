import type { DomainState } from './exporter-state.js';
import type { CompiledTemplate, FieldValue } from './template.js';

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
  | 'exporter-limit'
  | 'domain-limit';

export interface DecodeResult {
  records: DecodedRecord[];
  /** Set when (part of) the packet was rejected; records decoded before the problem are still returned. */
  error?: DecodeErrorKind;
}
