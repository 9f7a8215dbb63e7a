import type { Codec } from '../../src/codec/types.js';
import { EveDecoder } from './decoder.js';

/** Suricata's EVE JSON: alerts, flows and every other event type. */
export const suricataCodec: Codec = {
  name: 'suricata',
  open: (stream) => new EveDecoder(stream),
};
