import { type StreamInfo, type Unit, type UnitDecoder, unitIdentity } from '../../src/codec/types.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { parseEve } from './eve.js';
import { mapEve } from './map.js';

/** Suricata EVE JSON, one event per line. */
export class EveDecoder implements UnitDecoder {
  constructor(private readonly stream: StreamInfo) {}

  decode(unit: Unit): PipelineRecord | undefined {
    if (unit.text.trim() === '') return undefined;
    const { eve, flowId } = parseEve(unit.text);
    return mapEve(eve, flowId, unitIdentity(this.stream, unit), this.stream);
  }
}
