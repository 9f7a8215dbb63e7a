import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { isGzip } from './lines.js';

export const FINGERPRINT_BYTES = 1024;

/** The first KiB of a file's (decompressed) content. */
export async function fileHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    if (!isGzip(path)) {
      const buffer = Buffer.alloc(FINGERPRINT_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, FINGERPRINT_BYTES, 0);
      return buffer.subarray(0, bytesRead);
    }
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of handle.createReadStream().pipe(createGunzip()) as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= FINGERPRINT_BYTES) break;
    }
    return Buffer.concat(chunks).subarray(0, FINGERPRINT_BYTES);
  } finally {
    await handle.close();
  }
}

/**
 * A file's identity from its first KiB of (decompressed) content (`fileHead`) rather than its path or inode: a
 * renamed (rotated), copied or re-ingested file keeps it, so document ids built from it plus a line's offset
 * stay the same and a replay overwrites instead of duplicating.
 */
export function fingerprintOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
}
