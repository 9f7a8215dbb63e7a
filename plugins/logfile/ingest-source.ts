import { stat } from 'node:fs/promises';
import type { PipelineRecord, Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { detectSnortFormat, SnortFileParser } from '../snort/parser.js';
import { checkTimezone } from '../snort/time.js';
import { SuricataFileParser } from '../suricata/parser.js';
import { ZeekFileParser } from '../zeek/parser.js';
import { BlockGrouper } from './blocks.js';
import { fileFingerprint } from './fingerprint.js';
import { readLines } from './lines.js';
import type { FileContext, FileParser, Unit } from './parser.js';

export type LogKind = 'zeek' | 'suricata' | 'snort';

export interface LogIngestDeps {
  localNetworks: LocalNetworks;
  /** Zone of timestamps that carry none (Snort): IANA name or `±HH:MM`; default UTC. */
  timezone?: string;
  now?: () => number;
}

/** Records handed to the pipeline per `emit`, so backpressure applies while a large file is read. */
const EMIT_BATCH = 1000;

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

/** Reads one file to its end: parse errors are dead-lettered with `file:line` and reading goes on. */
class FileIngest {
  private parser: FileParser | undefined;
  private grouper: BlockGrouper | undefined;
  private pending: PipelineRecord[] = [];

  constructor(
    private readonly kind: LogKind,
    private readonly file: FileContext,
    private readonly ctx: SourceContext,
  ) {}

  async run(): Promise<void> {
    for await (const lines of readLines(this.file.path)) {
      for (const line of lines) {
        if (this.parser === undefined) {
          if (line.text.trim() === '') continue;
          this.parser = createParser(this.kind, this.file, line.text);
          if (this.parser.blockStart !== undefined) this.grouper = new BlockGrouper(this.parser.blockStart);
        }
        if (this.grouper === undefined) this.handle(line);
        else {
          const block = this.grouper.push(line);
          if (block !== undefined) this.handle(block);
        }
      }
      await this.flush(EMIT_BATCH);
      if (this.ctx.signal.aborted) return;
    }
    const last = this.grouper?.flush();
    if (last !== undefined) this.handle(last);
    await this.flush(1);
  }

  private handle(unit: Unit): void {
    try {
      const record = this.parser!.parse(unit);
      if (record !== undefined) this.pending.push(record);
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

  /** Emits in batches of `EMIT_BATCH`; what is left below `minimum` waits for more lines. */
  private async flush(minimum: number): Promise<void> {
    while (this.pending.length >= minimum && this.pending.length > 0) {
      const batch = this.pending.splice(0, EMIT_BATCH);
      this.ctx.counters.recordsIn(batch.length);
      await this.ctx.emit(batch);
    }
  }
}

/** One-shot ingest of Zeek, Suricata EVE or Snort alert files (plain or `.gz`), file after file. */
export function createLogIngestSource(kind: LogKind, files: string[], deps: LogIngestDeps): Source {
  const timezone = deps.timezone ?? 'UTC';
  checkTimezone(timezone);
  const now = deps.now ?? Date.now;
  return {
    name: `${kind}-files`,
    async run(ctx: SourceContext): Promise<void> {
      for (const path of files) {
        if (ctx.signal.aborted) return;
        const [info, fingerprint] = await Promise.all([stat(path), fileFingerprint(path)]);
        const file: FileContext = {
          path,
          fingerprint,
          timezone,
          // A finished file was last written at its mtime, so no alert in it is later than that.
          reference: Math.min(info.mtimeMs, now()),
          localNetworks: deps.localNetworks,
          now,
        };
        await new FileIngest(kind, file, ctx).run();
      }
    },
  };
}
