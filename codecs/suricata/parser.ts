import { type FileContext, type FileParser, type Unit, unitIdentity } from '../../src/codec/types.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { parseEve } from './eve.js';
import { mapEve } from './map.js';

/** An EVE JSON file, one event per line. */
export class SuricataFileParser implements FileParser {
  constructor(private readonly ctx: FileContext) {}

  parse(unit: Unit): PipelineRecord | undefined {
    if (unit.text.trim() === '') return undefined;
    const { eve, flowId } = parseEve(unit.text);
    return mapEve(eve, flowId, unitIdentity(this.ctx, unit), this.ctx);
  }
}
