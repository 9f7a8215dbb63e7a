import { type StreamInfo, type Unit, type UnitDecoder, unitIdentity } from '../../src/codec/types.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { type SnortAlert, snortRecord } from './alert.js';
import { parseCsv } from './csv.js';
import { parseFast, type TimeContext } from './fast.js';
import { parseFull } from './full.js';
import { parseSnortJson } from './json.js';

export type SnortFormat = 'fast' | 'full' | 'json' | 'csv';

/** Told apart by the first line: `{` json, `[**]` full, a time then `[**]` fast, a time then `,` csv. */
export function detectSnortFormat(firstLine: string): SnortFormat {
  if (firstLine.startsWith('{')) return 'json';
  if (firstLine.startsWith('[**]')) return 'full';
  return firstLine.includes('[**]') ? 'fast' : 'csv';
}

const PARSERS: Record<SnortFormat, (text: string, t: TimeContext) => SnortAlert> = {
  fast: parseFast,
  full: parseFull,
  json: parseSnortJson,
  csv: parseCsv,
};

/** Snort alert files in one of the text formats, told by the first line. */
export class SnortDecoder implements UnitDecoder {
  readonly blockStart?: string;
  private readonly read: (text: string, t: TimeContext) => SnortAlert;

  constructor(
    private readonly stream: StreamInfo,
    format: SnortFormat,
  ) {
    this.read = PARSERS[format];
    if (format === 'full') this.blockStart = '[**]';
  }

  decode(unit: Unit): PipelineRecord | undefined {
    if (unit.text.trim() === '') return undefined;
    return snortRecord(this.read(unit.text, this.stream), unitIdentity(this.stream, unit), this.stream);
  }
}
