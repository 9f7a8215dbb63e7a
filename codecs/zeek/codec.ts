import { type Codec, notText } from '../../src/codec/types.js';
import { nativeConnUnavailable } from './conn-native.js';
import { ZeekDecoder } from './decoder.js';

/** Zeek logs, TSV or JSON; conn.log TSV lines through the native mapper where it is built. */
export const zeekCodec: Codec = {
  name: 'zeek',
  open: (stream) => new ZeekDecoder(stream),
  refuses(head) {
    const binary = notText(head);
    if (binary !== undefined) return `not a Zeek log: ${binary}`;
    // Zeek's TSV logs start with their header (#separator), its JSON logs with an object.
    const first = head.toString('utf8').trimStart()[0];
    return first === undefined || first === '#' || first === '{'
      ? undefined
      : 'not a Zeek log: neither a TSV header (#separator…) nor a JSON object';
  },
  degraded() {
    const reason = nativeConnUnavailable();
    return reason === undefined
      ? undefined
      : `no native conn.log mapper (${reason}); conn.log TSV lines are mapped in TypeScript, slower`;
  },
};
