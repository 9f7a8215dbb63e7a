import { describe, expect, it } from 'vitest';
import { murmur3x86x128 } from './murmur3.js';

/** `bytes` in the word layout `murmur3x86x128` reads. */
function hashBytes(bytes: Uint8Array, seed: number): Uint8Array {
  const words = new Int32Array((bytes.length + 3) >> 2);
  for (let i = 0; i < bytes.length; i++) words[i >> 2] |= bytes[i] << (8 * (i & 3));
  const out = new Uint8Array(16);
  murmur3x86x128(words, bytes.length, seed, out);
  return out;
}

describe('MurmurHash3 x86 128', () => {
  it("passes SMHasher's verification test, which every byte length up to 255 and many seeds go into", () => {
    // SMHasher's VerificationTest: hash keys 0, 0 1, 0 1 2, … with seeds 256 down to 1, then the hashes with seed 0.
    const key = Uint8Array.from({ length: 256 }, (_, i) => i);
    const hashes = new Uint8Array(16 * 256);
    for (let i = 0; i < 256; i++) hashes.set(hashBytes(key.subarray(0, i), 256 - i), i * 16);
    const final = hashBytes(hashes, 0);
    const verification = (final[0] | (final[1] << 8) | (final[2] << 16) | (final[3] << 24)) >>> 0;
    expect(verification).toBe(0xb3ece62a);
  });

  it('hashes the empty input with seed 0 to zero, as the reference does', () => {
    expect(Array.from(hashBytes(new Uint8Array(0), 0))).toEqual(new Array(16).fill(0));
  });
});
