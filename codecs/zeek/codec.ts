import type { Codec } from '../../src/codec/types.js';
import { nativeConnUnavailable } from './conn-native.js';
import { ZeekDecoder } from './decoder.js';

/** Zeek logs, TSV or JSON; conn.log TSV lines through the native mapper where it is built. */
export const zeekCodec: Codec = {
  name: 'zeek',
  open: (stream) => new ZeekDecoder(stream),
  degraded() {
    const reason = nativeConnUnavailable();
    return reason === undefined
      ? undefined
      : `no native conn.log mapper (${reason}); conn.log TSV lines are mapped in TypeScript, slower`;
  },
};
