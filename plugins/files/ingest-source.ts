import { stat } from 'node:fs/promises';
import { checkTimezone } from '../../codecs/snort/time.js';
import { isUnified2 } from '../../codecs/snort/unified2.js';
import { ingestUnified2 } from '../../codecs/snort/unified2-file.js';
import type { FileContext } from '../../src/codec/types.js';
import type { Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { fileHead, fingerprintOf } from './fingerprint.js';
import { readLines } from './lines.js';
import { type LogKind, LogRecordReader } from './records.js';

export interface LogIngestDeps {
  localNetworks: LocalNetworks;
  /** Zone of timestamps that carry none (Snort): IANA name or `±HH:MM`; default UTC. */
  timezone?: string;
  now?: () => number;
}

/** Records handed to the pipeline per `emit`, so backpressure applies while a large file is read. */
const EMIT_BATCH = 1000;

/** Reads one file to its end: parse errors are dead-lettered with `file:line` and reading goes on. */
async function ingestFile(kind: LogKind, file: FileContext, ctx: SourceContext): Promise<void> {
  const reader = new LogRecordReader(kind, file, ctx);
  const flush = async (minimum: number) => {
    while (reader.pending >= minimum && reader.pending > 0) {
      const batch = reader.take(EMIT_BATCH);
      ctx.counters.recordsIn(batch.length);
      await ctx.emit(batch);
    }
  };
  for await (const lines of readLines(file.path)) {
    for (const line of lines) reader.push(line);
    await flush(EMIT_BATCH);
    if (ctx.signal.aborted) return;
  }
  reader.end();
  await flush(1);
}

/** One-shot ingest of Zeek, Suricata EVE or Snort alert files (text or unified2; plain or `.gz`), file after file. */
export function createLogIngestSource(kind: LogKind, files: string[], deps: LogIngestDeps): Source {
  const timezone = deps.timezone ?? 'UTC';
  checkTimezone(timezone);
  const now = deps.now ?? Date.now;
  return {
    name: `${kind}-files`,
    async run(ctx: SourceContext): Promise<void> {
      for (const path of files) {
        if (ctx.signal.aborted) return;
        const [info, head] = await Promise.all([stat(path), fileHead(path)]);
        const file: FileContext = {
          path,
          fingerprint: fingerprintOf(head),
          timezone,
          // A finished file was last written at its mtime, so no alert in it is later than that.
          reference: Math.min(info.mtimeMs, now()),
          localNetworks: deps.localNetworks,
          now,
        };
        if (kind === 'snort' && isUnified2(head)) await ingestUnified2(file, ctx);
        else await ingestFile(kind, file, ctx);
      }
    },
  };
}
