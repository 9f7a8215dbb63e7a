import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/** One line of a file, without its terminator (`\n` or `\r\n`). */
export interface Line {
  text: string;
  /** Byte offset of the line's first byte (in the decompressed stream for `.gz`). */
  offset: number;
  /** Offset just past the line's terminator: where a reader resumes after this line. */
  next: number;
  /** 1-based line number. */
  number: number;
}

export interface ReadPosition {
  /** Byte offset of a line start to resume from. */
  offset: number;
  /** Line number of the line at `offset`. */
  number: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CHUNK_SIZE = 1 << 20;

export function isGzip(path: string): boolean {
  return path.endsWith('.gz');
}

function openStream(path: string, offset: number): AsyncIterable<Buffer> {
  if (!isGzip(path)) return createReadStream(path, { start: offset, highWaterMark: CHUNK_SIZE });
  // A gzip stream cannot seek: decompress from the start and drop what lies before the offset.
  return createReadStream(path, { highWaterMark: CHUNK_SIZE }).pipe(createGunzip({ chunkSize: CHUNK_SIZE }));
}

/**
 * Reads a plain or gzip file as batches of complete lines (one batch per read chunk). A last line without a
 * terminator is only emitted once the stream has ended, so a reader that stops at a line's `next` offset and
 * later resumes from it never sees a line twice or in pieces.
 */
export async function* readLines(
  path: string,
  from: ReadPosition = { offset: 0, number: 1 },
): AsyncGenerator<Line[]> {
  let skip = isGzip(path) ? from.offset : 0;
  let position = from.offset;
  let number = from.number;
  let carry: Buffer | undefined;

  for await (let chunk of openStream(path, from.offset)) {
    if (skip > 0) {
      if (chunk.length <= skip) {
        skip -= chunk.length;
        continue;
      }
      chunk = chunk.subarray(skip);
      skip = 0;
    }
    const buffer = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    const base = position;
    const lines: Line[] = [];
    let start = 0;
    let newline = buffer.indexOf(NEWLINE, start);
    while (newline !== -1) {
      const end = newline > start && buffer[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
      lines.push({
        text: buffer.toString('utf8', start, end),
        offset: base + start,
        next: base + newline + 1,
        number,
      });
      number++;
      start = newline + 1;
      newline = buffer.indexOf(NEWLINE, start);
    }
    carry = start < buffer.length ? buffer.subarray(start) : undefined;
    position = base + start;
    if (lines.length > 0) yield lines;
  }
  if (carry !== undefined) {
    const end = carry[carry.length - 1] === CARRIAGE_RETURN ? carry.length - 1 : carry.length;
    yield [{ text: carry.toString('utf8', 0, end), offset: position, next: position + carry.length, number }];
  }
}
