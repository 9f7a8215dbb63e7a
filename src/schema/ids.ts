import { hash } from 'node:crypto';
import { murmur3x86x128 } from './murmur3.js';

/**
 * A document `_id` derived only from what identifies a record, so a record sent twice (retry, replay, restart)
 * lands on the same document instead of a duplicate. One-shot SHA-1 of the joined parts: collisions do not
 * matter at this scale and it is the cheapest hash Node offers without a Hash object per call.
 */
export function documentId(...parts: Array<string | number | bigint | undefined | null>): string {
  let text = '';
  for (const part of parts) text += `${part === undefined || part === null ? '\u0000' : String(part)}\u001f`;
  return hash('sha1', text, 'base64url');
}

const ABSENT = 1;
const NUMBER = 2;
const TEXT = 3;

/** The message, as 32-bit words: see `binaryDocumentId`. */
let words = new Int32Array(128);
const digest = Buffer.alloc(16);
/** A number's IEEE 754 bits, as two words, high one first whatever the host's byte order. */
const float = new Float64Array(1);
const floatWords = new Uint32Array(float.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

function reserve(length: number, more: number): void {
  if (length + more <= words.length) return;
  const grown = new Int32Array(Math.max(words.length * 2, length + more));
  grown.set(words.subarray(0, length));
  words = grown;
}

/**
 * A document id for the hot paths (every flow): the parts are written as 32-bit words into one reused buffer, each
 * tagged (numbers as their float64 bits, text as its length and UTF-16 code units, two to a word), and hashed with
 * MurmurHash3 x86 128 into 22 base64url characters. Every tuple of parts has its own message, so distinct records
 * get distinct ids unless 128-bit hashes collide, which among a trillion documents has odds of about one in 10^15.
 * MurmurHash3 is not cryptographic: whoever writes the input could craft two records with one id, as they could
 * simply send one record twice. node:crypto's one-shot SHA-1, behind a native call, cost more than hashing here.
 */
export function binaryDocumentId(...parts: Array<string | number | undefined>): string {
  let length = 0;
  for (const part of parts) {
    if (typeof part === 'number') {
      reserve(length, 3);
      float[0] = part;
      words[length] = NUMBER;
      words[length + 1] = floatWords[HIGH];
      words[length + 2] = floatWords[1 - HIGH];
      length += 3;
    } else if (typeof part === 'string') {
      const units = part.length;
      reserve(length, 2 + ((units + 1) >>> 1));
      words[length++] = TEXT;
      words[length++] = units;
      let i = 0;
      for (; i + 1 < units; i += 2) words[length++] = part.charCodeAt(i) | (part.charCodeAt(i + 1) << 16);
      if (i < units) words[length++] = part.charCodeAt(i);
    } else {
      reserve(length, 1);
      words[length++] = ABSENT;
    }
  }
  murmur3x86x128(words, length * 4, 0, digest);
  return digest.toString('base64url');
}
