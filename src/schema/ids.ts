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

const ABSENT = 0;
const NUMBER = 1;
const TEXT = 2;
/** Ends a text part: the byte never occurs in UTF-8. */
const TEXT_END = 0xff;

let message = Buffer.allocUnsafe(512);
/** Views of `message` by length, made once: a view per record cost about as much as the hash. */
let views: Buffer[] = [];

function reserve(length: number, more: number): void {
  if (length + more <= message.length) return;
  const grown = Buffer.allocUnsafe(Math.max(message.length * 2, length + more));
  message.copy(grown, 0, 0, length);
  message = grown;
  views = [];
}

/**
 * `documentId` for the hot paths: the parts are written as tagged binary (numbers as float64, text as UTF-8 with a
 * terminator) into one reused buffer instead of being formatted and joined, which cost as much as the hash. Every
 * tuple of parts has its own message, so distinct records get distinct ids as long as SHA-1 does not collide.
 */
export function binaryDocumentId(...parts: Array<string | number | undefined>): string {
  let length = 0;
  for (const part of parts) {
    if (typeof part === 'number') {
      reserve(length, 9);
      message[length] = NUMBER;
      message.writeDoubleBE(part, length + 1);
      length += 9;
    } else if (typeof part === 'string') {
      reserve(length, part.length * 3 + 2);
      message[length++] = TEXT;
      let ascii = true;
      for (let i = 0; i < part.length; i++) {
        const c = part.charCodeAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        message[length + i] = c;
      }
      length += ascii ? part.length : message.write(part, length, 'utf8');
      message[length++] = TEXT_END;
    } else {
      reserve(length, 1);
      message[length++] = ABSENT;
    }
  }
  views[length] ??= message.subarray(0, length);
  return hash('sha1', views[length], 'base64url');
}
