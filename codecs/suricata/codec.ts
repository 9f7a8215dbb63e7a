import { type Codec, notText } from '../../src/codec/types.js';
import { EveDecoder } from './decoder.js';

/** Suricata's EVE JSON: alerts, flows and every other event type. */
export const suricataCodec: Codec = {
  name: 'suricata',
  open: (stream) => new EveDecoder(stream),
  refuses(head) {
    const binary = notText(head);
    if (binary !== undefined) return `not a Suricata EVE log: ${binary}`;
    const first = head.toString('utf8').trimStart()[0];
    return first === undefined || first === '{'
      ? undefined
      : 'not a Suricata EVE log: its lines are JSON objects';
  },
};
