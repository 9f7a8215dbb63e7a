import type { DomainState, ExporterState } from './exporter-state.js';
import { learnOptionNames } from './option-names.js';
import { applyOptions, samplingRate } from './sampling.js';
import { type CompiledTemplate, type FieldValue, readRecord } from './template.js';
import type { DecodedRecord, PacketInfo } from './types.js';

/**
 * Decodes every record of a data set whose template is known, on time or replayed from the pending buffer;
 * returns how many, or -1 when the template cannot delimit records. Options records teach the domain their
 * sampling rates; flow records get theirs, unless `override` (the exporter's configured rate) says otherwise.
 */
export function readRecords(
  template: CompiledTemplate,
  data: Buffer,
  s: number,
  e: number,
  packet: PacketInfo,
  firstIndex: number,
  out: DecodedRecord[],
  state: ExporterState,
  domain: DomainState,
  override: number | undefined,
): number {
  // A template whose fields are all zero-length would "read" endless empty records.
  if (template.minLength === 0) return -1;
  const n = template.kinds.length;
  let o = s;
  let count = 0;
  while (o < e) {
    const values: FieldValue[] = new Array(n);
    const next = readRecord(template, data, o, e, values);
    if (next < 0) break;
    o = next;
    let rate = 1;
    if (template.isOptions) {
      applyOptions(domain, template, values);
      learnOptionNames(state, domain, template, values);
      state.stats.optionsRecords++;
    } else {
      rate = override ?? samplingRate(domain, template, values);
      state.stats.records++;
    }
    out.push({ packet, template, values, index: firstIndex + count, samplingRate: rate });
    count++;
  }
  return count;
}
