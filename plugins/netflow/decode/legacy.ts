/**
 * NetFlow v1, v5 and v7 have fixed record layouts; expressing them as templates of IANA elements lets
 * them share the reader and the producer with v9/IPFIX.
 */
import { type ExporterState, trackSequence } from './exporter-state.js';
import type { DecoderSettings } from './settings.js';
import type { CompiledTemplate, FieldValue, TemplateField } from './template.js';
import { compileTemplate, readRecord } from './template.js';
import type { DecodedRecord, DecodeErrorKind, PacketInfo } from './types.js';

function layout(fields: Array<[id: number, length: number]>): TemplateField[] {
  return fields.map(([id, length]) => ({ pen: 0, id, length }));
}

const PAD = 210;

const COMMON: Array<[number, number]> = [
  [8, 4], // srcaddr
  [12, 4], // dstaddr
  [15, 4], // nexthop
  [10, 2], // input ifIndex
  [14, 2], // output ifIndex
  [2, 4], // dPkts
  [1, 4], // dOctets
  [22, 4], // First (sysUptime ms)
  [21, 4], // Last
  [7, 2], // srcport
  [11, 2], // dstport
];

interface LegacyFormat {
  headerLength: number;
  recordLength: number;
  /** Records per packet allowed by the format (Cisco's limits); a header claiming more is malformed. */
  maxCount: number;
  hasSequence: boolean;
  template: CompiledTemplate;
}

export const LEGACY_FORMATS: Record<number, LegacyFormat> = {
  1: {
    headerLength: 16,
    recordLength: 48,
    maxCount: 24,
    hasSequence: false,
    template: compileTemplate(
      1,
      layout([...COMMON, [PAD, 2], [4, 1], [5, 1], [6, 1], [PAD, 7]]),
      0,
      false,
      false,
    ),
  },
  5: {
    headerLength: 24,
    recordLength: 48,
    maxCount: 30,
    hasSequence: true,
    template: compileTemplate(
      5,
      layout([...COMMON, [PAD, 1], [6, 1], [4, 1], [5, 1], [16, 2], [17, 2], [9, 1], [13, 1], [PAD, 2]]),
      0,
      false,
      false,
    ),
  },
  7: {
    headerLength: 24,
    recordLength: 52,
    maxCount: 28,
    hasSequence: true,
    template: compileTemplate(
      7,
      layout([
        ...COMMON,
        [PAD, 1],
        [6, 1],
        [4, 1],
        [5, 1],
        [16, 2],
        [17, 2],
        [9, 1],
        [13, 1],
        [PAD, 2],
        [43, 4],
      ]),
      0,
      false,
      false,
    ),
  },
};

/** Decodes a v1, v5 or v7 datagram (`LEGACY_FORMATS[version]`) into `out`; returns what was malformed, if anything. */
export function decodeLegacy(
  data: Buffer,
  version: number,
  state: ExporterState,
  now: number,
  out: DecodedRecord[],
  settings: DecoderSettings,
): DecodeErrorKind | undefined {
  const format = LEGACY_FORMATS[version];
  let offset = 0;
  // Some collectors hand over several v5 messages back to back (logstash's netflow5.dat): read them all.
  while (
    offset + format.headerLength <= data.length &&
    ((data[offset] << 8) | data[offset + 1]) === version
  ) {
    const count = data.readUInt16BE(offset + 2);
    const end = offset + format.headerLength + count * format.recordLength;
    if (count === 0 || count > format.maxCount) return 'bad-count';
    if (end > data.length) return 'truncated';
    const sysUptime = data.readUInt32BE(offset + 4);
    const exportTime =
      data.readUInt32BE(offset + 8) * 1000 + Math.floor(data.readUInt32BE(offset + 12) / 1e6);
    const sequence = format.hasSequence ? data.readUInt32BE(offset + 16) : 0;
    const domainId = version === 5 ? data.readUInt16BE(offset + 20) : 0;
    const domain = state.domain(version, domainId);
    if (!domain) return 'domain-limit';
    if (version === 5) {
      const interval = data.readUInt16BE(offset + 22) & 0x3fff;
      if (interval > 1) domain.defaultRate = interval;
    }
    if (format.hasSequence) trackSequence(domain, state.stats, sequence, count);
    const packet: PacketInfo = {
      exporter: state.address,
      port: state.port,
      version,
      domainId,
      sequence,
      exportTime,
      sysUptime,
      receivedAt: now,
      domain,
    };
    const template = format.template;
    const rate = settings.overrides.get(state.address) ?? (domain.defaultRate || 1);
    let o = offset + format.headerLength;
    for (let i = 0; i < count; i++) {
      const values: FieldValue[] = new Array(template.kinds.length);
      o = readRecord(template, data, o, end, values);
      out.push({ packet, template, values, index: i, samplingRate: rate });
    }
    state.stats.records += count;
    offset = end;
  }
  return undefined;
}
