import { snortCodec } from '../../codecs/snort/codec.js';
import { suricataCodec } from '../../codecs/suricata/codec.js';
import { zeekCodec } from '../../codecs/zeek/codec.js';
import type { Codec, CodecRegistry } from '../../src/codec/types.js';

/** Every log format flowtrail reads, by the name inputs and `flowtrail ingest` give it. */
export const CODECS: CodecRegistry = new Map<string, Codec>(
  [zeekCodec, suricataCodec, snortCodec].map((codec) => [codec.name, codec]),
);

/** The codec of that name; the configuration schema and the CLI only let known names through. */
export function codecNamed(name: string): Codec {
  const codec = CODECS.get(name);
  if (codec === undefined) throw new Error(`no codec named ${name}`);
  return codec;
}
