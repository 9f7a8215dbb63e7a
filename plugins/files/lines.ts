import { isUtf8 } from 'node:buffer';
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
  /** The line's bytes are not all UTF-8: `text` has U+FFFD where they are not. */
  invalidUtf8?: true;
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

/**
 * The bytes of a plain file from `offset`, or of a gzip file decompressed from its start (the caller skips).
 * `onRead` hears how many bytes of the file itself (compressed, for gzip) each read took, for progress.
 */
export function openStream(
  path: string,
  offset: number,
  onRead?: (bytes: number) => void,
): AsyncIterable<Buffer> {
  const file = createReadStream(path, { start: isGzip(path) ? 0 : offset, highWaterMark: CHUNK_SIZE });
  if (onRead) file.on('data', (chunk) => onRead(chunk.length));
  if (!isGzip(path)) return file;
  // A gzip stream cannot seek: decompress from the start and drop what lies before the offset.
  return file.pipe(createGunzip({ chunkSize: CHUNK_SIZE }));
}

/**
 * Cuts a byte stream into lines. A line is handed out only once its terminator has arrived; the bytes after the
 * last terminator wait in `carry` for the next chunk, so a line being written is never seen in pieces.
 */
export class LineSplitter {
  private carry: Buffer | undefined;
  /** Offset just past the last complete line: where a reader resumes. */
  position: number;
  number: number;

  constructor(from: ReadPosition = { offset: 0, number: 1 }) {
    this.position = from.offset;
    this.number = from.number;
  }

  /** Bytes read but not yet part of a complete line. */
  get pending(): number {
    return this.carry === undefined ? 0 : this.carry.length;
  }

  push(chunk: Buffer): Line[] {
    const buffer = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk]);
    const base = this.position;
    const lines: Line[] = [];
    let start = 0;
    let newline = buffer.indexOf(NEWLINE, start);
    // One check of all complete lines at once (lines end at a newline, so no character is cut); lines are
    // checked one by one only in the rare chunk that is not all UTF-8.
    const last = buffer.lastIndexOf(NEWLINE);
    const allUtf8 = last === -1 || isUtf8(buffer.subarray(0, last));
    while (newline !== -1) {
      const end = newline > start && buffer[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
      const line: Line = {
        text: buffer.toString('utf8', start, end),
        offset: base + start,
        next: base + newline + 1,
        number: this.number++,
      };
      if (!allUtf8 && !isUtf8(buffer.subarray(start, end))) line.invalidUtf8 = true;
      lines.push(line);
      start = newline + 1;
      newline = buffer.indexOf(NEWLINE, start);
    }
    this.carry = start < buffer.length ? buffer.subarray(start) : undefined;
    this.position = base + start;
    return lines;
  }

  /** The unterminated last line, once the input is known to be finished. */
  end(): Line | undefined {
    const carry = this.carry;
    if (carry === undefined) return undefined;
    this.carry = undefined;
    const end = carry[carry.length - 1] === CARRIAGE_RETURN ? carry.length - 1 : carry.length;
    const line: Line = {
      text: carry.toString('utf8', 0, end),
      offset: this.position,
      next: this.position + carry.length,
      number: this.number++,
    };
    if (!isUtf8(carry.subarray(0, end))) line.invalidUtf8 = true;
    this.position = line.next;
    return line;
  }
}

/**
 * Reads a plain or gzip file as batches of complete lines (one batch per read chunk). A last line without a
 * terminator is only emitted once the stream has ended, so a reader that stops at a line's `next` offset and
 * later resumes from it never sees a line twice or in pieces.
 */
export async function* readLines(
  path: string,
  from: ReadPosition = { offset: 0, number: 1 },
  onRead?: (bytes: number) => void,
): AsyncGenerator<Line[]> {
  let skip = isGzip(path) ? from.offset : 0;
  const splitter = new LineSplitter(from);
  for await (let chunk of openStream(path, from.offset, onRead)) {
    if (skip > 0) {
      if (chunk.length <= skip) {
        skip -= chunk.length;
        continue;
      }
      chunk = chunk.subarray(skip);
      skip = 0;
    }
    const lines = splitter.push(chunk);
    if (lines.length > 0) yield lines;
  }
  const last = splitter.end();
  if (last !== undefined) yield [last];
}
