import { createHash } from 'node:crypto';

/**
 * A document `_id` derived only from what identifies a record, so a record sent twice (retry, replay, restart)
 * lands on the same document instead of a duplicate.
 */
export function documentId(...parts: Array<string | number | bigint | undefined | null>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(part === undefined || part === null ? '\u0000' : String(part));
    hash.update('\u001f');
  }
  return hash.digest('base64url').slice(0, 27);
}
