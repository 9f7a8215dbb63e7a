import type { Codec, StreamInfo, Unit, UnitDecoder } from '../../src/codec/types.js';
import { LogThrottle } from '../../src/observability/throttle.js';
import type { PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
import { BlockGrouper } from './blocks.js';
import type { Line, ReadPosition } from './lines.js';

/**
 * Turns the lines of one file into records, grouping multi-line formats into blocks. Decoding errors are counted
 * and dead-lettered with `file:line`. `position` is where a reader that stops now has to resume so that no
 * record is lost or read twice: just past the last line handed to the decoder, or at the start of a block that
 * is still being gathered.
 */
export class LogRecordReader {
  private decoder: UnitDecoder | undefined;
  private grouper: BlockGrouper | undefined;
  private records: PipelineRecord[] = [];
  private readonly utf8Log = new LogThrottle();
  position: ReadPosition;

  constructor(
    private readonly codec: Codec,
    private readonly stream: StreamInfo,
    private readonly ctx: SourceContext,
    from: ReadPosition = { offset: 0, number: 1 },
  ) {
    this.position = from;
  }

  get pending(): number {
    return this.records.length;
  }

  push(line: Line): void {
    if (line.invalidUtf8) this.repairedText(line);
    if (this.decoder === undefined) {
      if (line.text.trim() === '') {
        this.position = { offset: line.next, number: line.number + 1 };
        return;
      }
      this.start(line.text);
    }
    if (this.grouper === undefined) this.handle(line);
    else {
      const block = this.grouper.push(line);
      if (block !== undefined) this.handle(block);
    }
    const held = this.grouper?.held;
    this.position =
      held === undefined
        ? { offset: line.next, number: line.number + 1 }
        : { offset: held.offset, number: held.number };
  }

  /** The input is finished: a block still being gathered is complete. */
  end(): void {
    const last = this.grouper?.flush();
    if (last === undefined) return;
    this.handle(last);
    this.position = { offset: last.next, number: this.position.number };
  }

  /**
   * A line before the resume point, replayed after a restart only for the state it sets in the decoder (Zeek's
   * `#fields`/`#types` headers, the Snort format told by the first line). Returns false once the lines that can
   * set state are over, so the rest of the file need not be read again.
   */
  prime(line: Line): boolean {
    if (line.text.trim() === '') return true;
    if (this.decoder === undefined) this.start(line.text);
    return this.decoder!.replay?.(line) ?? false;
  }

  take(max = Number.POSITIVE_INFINITY): PipelineRecord[] {
    if (this.records.length <= max) {
      const all = this.records;
      this.records = [];
      return all;
    }
    return this.records.splice(0, max);
  }

  /** Counted, and said once a minute per reader: bytes that are not UTF-8 were read as U+FFFD. */
  private repairedText(line: Line): void {
    this.ctx.counters.repaired('invalid_utf8');
    const suppressed = this.utf8Log.admit('');
    if (suppressed !== undefined)
      this.ctx.logger.warn(
        {
          origin: `${this.stream.name}:${line.number}`,
          stream: this.stream.identity,
          since_last_line: suppressed,
        },
        'a line is not UTF-8: its invalid bytes were read as U+FFFD',
      );
  }

  private start(firstLine: string): void {
    this.decoder = this.codec.open(this.stream, firstLine);
    if (this.decoder.blockStart !== undefined) this.grouper = new BlockGrouper(this.decoder.blockStart);
  }

  private handle(unit: Unit): void {
    try {
      const record = this.decoder!.decode(unit);
      if (record !== undefined) this.records.push(record);
    } catch (error) {
      this.ctx.counters.recordsFailed();
      this.ctx.deadLetter({
        plugin: this.codec.name,
        reason: (error as Error).message,
        origin: `${this.stream.name}:${unit.number}`,
        stream: this.stream.identity,
        raw: unit.text,
      });
    }
  }
}
