import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ByteDecoder, ByteOutput, Codec, StreamInfo } from '../../src/codec/types.js';
import type { PipelineRecord, Source, SourceContext } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { fileHead, fingerprintOf } from './fingerprint.js';
import { openStream, readLines } from './lines.js';
import { LogRecordReader } from './records.js';
import { accepts } from './refuse.js';

export interface IngestOptions {
  /** The source's name in metrics and logs, e.g. `zeek-files`. */
  name: string;
  codec: Codec;
  files: string[];
  localNetworks: LocalNetworks;
  /** Zone of timestamps that carry none (Snort): IANA name or `±HH:MM`; default UTC. */
  timezone?: string;
  now?: () => number;
  /** Hears how many bytes of the files were read, as they are read (compressed bytes of `.gz` files). */
  onRead?: (bytes: number) => void;
}

/** Records handed to the pipeline per `emit`, so backpressure applies while a large file is read. */
const EMIT_BATCH = 1000;

/** Reads a text file to its end: decoding errors are dead-lettered with `file:line` and reading goes on. */
async function ingestText(
  codec: Codec,
  stream: StreamInfo,
  ctx: SourceContext,
  onRead?: (bytes: number) => void,
): Promise<void> {
  const reader = new LogRecordReader(codec, stream, ctx);
  const flush = async (minimum: number) => {
    while (reader.pending >= minimum && reader.pending > 0) {
      const batch = reader.take(EMIT_BATCH);
      ctx.counters.recordsIn(batch.length);
      await ctx.emit(batch);
    }
  };
  for await (const lines of readLines(stream.name, undefined, onRead)) {
    for (const line of lines) reader.push(line);
    await flush(EMIT_BATCH);
    if (ctx.signal.aborted) return;
  }
  reader.end();
  await flush(1);
}

/** Reads a binary file to its end: bad records are dead-lettered with `file@byte-offset` and reading goes on. */
async function ingestBinary(
  format: string,
  decoder: ByteDecoder,
  stream: StreamInfo,
  ctx: SourceContext,
  onRead?: (bytes: number) => void,
): Promise<void> {
  const out: ByteOutput = {
    records: [],
    failed(offset, reason, raw) {
      ctx.counters.recordsFailed();
      ctx.deadLetter({
        plugin: format,
        reason,
        origin: `${stream.name}@${offset}`,
        stream: stream.identity,
        raw: raw?.toString('base64'),
      });
    },
    notice(message, counts) {
      ctx.logger.info({ file: stream.name, ...counts }, message);
    },
  };
  const flush = async () => {
    const batch: PipelineRecord[] = out.records;
    out.records = [];
    ctx.counters.recordsIn(batch.length);
    await ctx.emit(batch);
  };
  let offset = 0;
  try {
    for await (const chunk of openStream(stream.name, 0, onRead)) {
      offset += chunk.length;
      const readable = decoder.push(chunk, out);
      if (out.records.length >= EMIT_BATCH) await flush();
      if (ctx.signal.aborted) return;
      if (!readable) break;
    }
  } catch (err) {
    // A damaged or cut .gz, a disk error: what was decoded before it is kept, and the rest is reported lost.
    out.failed(offset, `${format}: reading stopped at byte ${offset}: ${(err as Error).message}`);
  }
  decoder.end(out);
  if (out.records.length > 0) await flush();
}

/** A file that cannot be opened or whose start cannot be read (no permission, a damaged .gz): counted, reported. */
function refuseUnreadable(plugin: string, path: string, err: Error, ctx: SourceContext): void {
  ctx.counters.recordsFailed();
  ctx.deadLetter({ plugin, reason: `cannot read: ${err.message}`, origin: path });
  ctx.logger.error({ file: path }, `${path}: cannot read: ${err.message}; the file is not read`);
}

/** One-shot ingest of log files in one format (text, or the codec's binary format; plain or `.gz`), file after file. */
export function createIngestSource(options: IngestOptions): Source {
  const { codec, localNetworks } = options;
  const timezone = options.timezone ?? 'UTC';
  const now = options.now ?? Date.now;
  return {
    name: options.name,
    async run(ctx: SourceContext): Promise<void> {
      for (const path of options.files) {
        if (ctx.signal.aborted) return;
        let info: Stats;
        let head: Buffer;
        try {
          [info, head] = await Promise.all([stat(path), fileHead(path)]);
        } catch (err) {
          refuseUnreadable(options.name, path, err as Error, ctx);
          continue;
        }
        const stream: StreamInfo = {
          name: path,
          identity: fingerprintOf(head),
          timezone,
          // A finished file was last written at its mtime, so no record in it is later than that.
          reference: Math.min(info.mtimeMs, now()),
          localNetworks,
          now,
        };
        if (!accepts(codec, stream, head, ctx)) {
          options.onRead?.(info.size);
          continue;
        }
        if (codec.binary?.recognizes(head))
          await ingestBinary(codec.name, codec.binary.open(stream), stream, ctx, options.onRead);
        else await ingestText(codec, stream, ctx, options.onRead);
      }
    },
  };
}
