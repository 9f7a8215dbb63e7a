/**
 * MurmurHash3 x86 128 (Austin Appleby's public-domain reference, `MurmurHash3_x86_128`): a fast non-cryptographic
 * 128-bit hash. Written out here because document ids need a hash per record and node:crypto's cheapest call
 * (a one-shot SHA-1) cost more than this one, which runs inline over a caller's buffer. The input is
 * read as the reference reads bytes on a little-endian machine: 32-bit words, whatever the host's byte order.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The digest of the first `length` bytes of the message held in `words` (byte `i` is bits `8 * (i % 4)` up of
 * word `i >> 2`; the bytes of a last, partial word beyond `length` must be zero), written as 16 bytes (h1..h4,
 * little-endian) to `out`.
 */
export function murmur3x86x128(words: Int32Array, length: number, seed: number, out: Uint8Array): void {
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;
  const blocks = (length >>> 4) << 2;
  for (let i = 0; i < blocks; i += 4) {
    let k1 = words[i];
    let k2 = words[i + 1];
    let k3 = words[i + 2];
    let k4 = words[i + 3];

    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = rotl(h1, 19) + h2;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;

    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = rotl(h2, 17) + h3;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;

    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = rotl(h3, 15) + h4;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;

    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = rotl(h4, 13) + h1;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }

  // The tail: up to 15 bytes, read as the reference does, zero-padded to words.
  const tail = length & 15;
  if (tail > 12) h4 ^= Math.imul(rotl(Math.imul(words[blocks + 3], C4), 18), C1);
  if (tail > 8) h3 ^= Math.imul(rotl(Math.imul(words[blocks + 2], C3), 17), C4);
  if (tail > 4) h2 ^= Math.imul(rotl(Math.imul(words[blocks + 1], C2), 16), C3);
  if (tail > 0) h1 ^= Math.imul(rotl(Math.imul(words[blocks], C1), 15), C2);

  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;

  writeWord(out, 0, h1);
  writeWord(out, 4, h2);
  writeWord(out, 8, h3);
  writeWord(out, 12, h4);
}

function writeWord(out: Uint8Array, at: number, h: number): void {
  out[at] = h;
  out[at + 1] = h >>> 8;
  out[at + 2] = h >>> 16;
  out[at + 3] = h >>> 24;
}
