import type { CompiledTemplate, TemplateField } from './template.js';
import { compileTemplate } from './template.js';

/**
 * NetFlow v1, v5 and v7 have fixed record layouts; expressing them as templates of IANA elements lets
 * them share the reader and the producer with v9/IPFIX.
 */
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

export interface LegacyFormat {
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
