import { hash } from 'node:crypto';

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
