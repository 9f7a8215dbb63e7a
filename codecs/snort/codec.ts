import { type Codec, notText } from '../../src/codec/types.js';
import { detectSnortFormat, SnortDecoder } from './decoder.js';
import { isUnified2 } from './unified2.js';
import { Unified2Decoder } from './unified2-decoder.js';

/** Snort alerts: alert_fast, alert_full, alert_csv and alert_json text, and unified2 event files. */
export const snortCodec: Codec = {
  name: 'snort',
  open: (stream, firstLine) => new SnortDecoder(stream, detectSnortFormat(firstLine)),
  refuses(head) {
    const binary = notText(head);
    return binary === undefined ? undefined : `not a Snort alert file: ${binary}`;
  },
  binary: {
    recognizes: isUnified2,
    open: (stream) => new Unified2Decoder(stream),
  },
};
