import type { DomainState, ExporterState } from './exporter-state.js';
import type { DecoderSettings } from './settings.js';
import type { DecodedRecord, DecodeErrorKind, PacketInfo } from './types.js';

/** What decoding one v9 or IPFIX message works with, and what it found so far. */
export interface MessageContext {
  settings: DecoderSettings;
  state: ExporterState;
  domain: DomainState;
  packet: PacketInfo;
  out: DecodedRecord[];
  /** Data records decoded in this message, for IPFIX sequence accounting; -1 once a set could not be counted. */
  dataRecords: number;
  optionsRecords: number;
  error?: DecodeErrorKind;
}

/** The state one v9 or IPFIX message is decoded with; the exporter and domain fill in the packet's identity. */
export function messageContext(
  settings: DecoderSettings,
  state: ExporterState,
  domain: DomainState,
  out: DecodedRecord[],
  header: Pick<PacketInfo, 'version' | 'sequence' | 'exportTime' | 'sysUptime' | 'receivedAt'>,
): MessageContext {
  return {
    settings,
    state,
    domain,
    out,
    dataRecords: 0,
    optionsRecords: 0,
    packet: {
      exporter: state.address,
      port: state.port,
      version: header.version,
      domainId: domain.id,
      sequence: header.sequence,
      exportTime: header.exportTime,
      sysUptime: header.sysUptime,
      receivedAt: header.receivedAt,
      domain,
    },
  };
}
