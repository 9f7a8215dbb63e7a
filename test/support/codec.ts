import { createIngestSource } from '../../plugins/files/ingest-source.js';
import { type Codec, unitIdentity } from '../../src/codec/types.js';
import { ParseError } from '../../src/errors.js';
import type { Source } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';

/** A codec's records from whole files, as `flowtrail ingest` reads them. */
export function ingestFiles(
  codec: Codec,
  files: string[],
  options: { localNetworks: LocalNetworks; timezone?: string; now?: () => number },
): Source {
  return createIngestSource({ name: `${codec.name}-files`, codec, files, ...options });
}

/**
 * A codec for tests of the sources: each line is a JSON object with a number `n` (and whatever else), which
 * becomes the document `{ n }`; anything else is bad input.
 */
export const numberedLinesCodec: Codec = {
  name: 'numbered',
  open: (stream) => ({
    decode(unit) {
      let value: unknown;
      try {
        value = JSON.parse(unit.text);
      } catch {
        throw new ParseError('numbered: not JSON');
      }
      const n = (value as { n?: unknown } | null)?.n;
      if (typeof n !== 'number') throw new ParseError('numbered: no number n');
      return { dataset: 'test', id: unitIdentity(stream, unit), doc: { n } };
    },
  }),
};
