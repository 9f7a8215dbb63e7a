import { detectSnortFormat, SnortFileParser } from '../../codecs/snort/parser.js';
import { SuricataFileParser } from '../../codecs/suricata/parser.js';
import { reportNativeConnUnavailable } from '../../codecs/zeek/conn-native.js';
import { ZeekFileParser } from '../../codecs/zeek/parser.js';
import type { FileContext, FileParser, Unit } from '../../src/codec/types.js';
import type { PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
import { BlockGrouper } from './blocks.js';
import type { Line, ReadPosition } from './lines.js';

export type LogKind = 'zeek' | 'suricata' | 'snort';

function createParser(kind: LogKind, ctx: FileContext, firstLine: string): FileParser {
  switch (kind) {
    case 'zeek':
      return new ZeekFileParser(ctx);
    case 'suricata':
      return new SuricataFileParser(ctx);
    case 'snort':
      return new SnortFileParser(ctx, detectSnortFormat(firstLine));
  }
}

/**
 * Turns the lines of one file into records, grouping multi-line formats into blocks. Parse errors are counted
 * and dead-lettered with `file:line`. `position` is where a reader that stops now has to resume so that no
 * record is lost or read twice: just past the last line handed to the parser, or at the start of a block that
 * is still being gathered.
 */
export class LogRecordReader {
  private parser: FileParser | undefined;
  private grouper: BlockGrouper | undefined;
  private records: PipelineRecord[] = [];
  position: ReadPosition;

  constructor(
    private readonly kind: LogKind,
    private readonly file: FileContext,
    private readonly ctx: SourceContext,
    from: ReadPosition = { offset: 0, number: 1 },
  ) {
    this.position = from;
  }

  get pending(): number {
    return this.records.length;
  }

  push(line: Line): void {
    if (this.parser === undefined) {
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
   * A line before the resume point, replayed after a restart only for the state it sets in the parser (Zeek's
   * `#fields`/`#types` headers, the Snort format told by the first line). Returns false once the lines that can
   * set state (the leading `#` header block) are over, so the rest of the file need not be read again.
   */
  prime(line: Line): boolean {
    if (line.text.trim() === '') return true;
    if (this.parser === undefined) this.start(line.text);
    if (line.text.charCodeAt(0) !== 35 /* # */) return false;
    try {
      this.parser!.parse(line);
    } catch {
      // A bad header line was already dead-lettered when it was first read.
    }
    return true;
  }

  take(max = Number.POSITIVE_INFINITY): PipelineRecord[] {
    if (this.records.length <= max) {
      const all = this.records;
      this.records = [];
      return all;
    }
    return this.records.splice(0, max);
  }

  private start(firstLine: string): void {
    if (this.kind === 'zeek') reportNativeConnUnavailable(this.ctx.logger);
    this.parser = createParser(this.kind, this.file, firstLine);
    if (this.parser.blockStart !== undefined) this.grouper = new BlockGrouper(this.parser.blockStart);
  }

  private handle(unit: Unit): void {
    try {
      const record = this.parser!.parse(unit);
      if (record !== undefined) this.records.push(record);
    } catch (error) {
      this.ctx.counters.recordsFailed();
      this.ctx.deadLetter({
        plugin: this.kind,
        reason: (error as Error).message,
        origin: `${this.file.path}:${unit.number}`,
        raw: unit.text,
      });
    }
  }
}
