import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, RetryableError } from '../errors.js';
import { Metrics } from '../observability/metrics.js';
import { DeadLetterWriter } from './dead-letter.js';
import { Pipeline } from './pipeline.js';
import { Spool } from './spool.js';
import type { OutgoingRecord, PipelineRecord, Sink, SinkOutcome } from './types.js';

const records = (plugin: string, n: number): PipelineRecord[] =>
  Array.from({ length: n }, (_, i) => ({ dataset: 'test', id: `${plugin}-${i}`, doc: { n: i } }));

/** Remembers, per id, whether each send of it was marked as a possible replay. */
class RecordingSink implements Sink {
  readonly name = 'recording';
  readonly sends = new Map<string, boolean[]>();
  constructor(private readonly answer: (call: number) => 'ok' | Error = () => 'ok') {}
  private calls = 0;
  async write(batch: readonly OutgoingRecord[]): Promise<SinkOutcome> {
    for (const { record } of batch)
      this.sends.set(record.id, [...(this.sends.get(record.id) ?? []), !!record.replayed]);
    const answer = this.answer(this.calls++);
    if (answer !== 'ok') throw answer;
    return { retry: [], rejected: [] };
  }
}

function pipelineWith(sink: Sink, spoolDir: string, replayWindow?: number) {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-replay-'));
  return new Pipeline({
    sinks: [sink],
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    deadLetter: new DeadLetterWriter(join(dir, 'dlq')),
    spool: new Spool(spoolDir),
    batch: { maxDocs: 10, maxBytes: 1024 * 1024, flushIntervalMs: 5, concurrency: 1 },
    retry: { initialBackoffMs: 1, maxBackoffMs: 2 },
    maxQueuedRecords: 1000,
    shutdownGraceMs: 2000,
    replayWindow,
  });
}

describe('records that may be stored already', () => {
  it('are the first `replayWindow` records of each source after a start, and no others', async () => {
    const sink = new RecordingSink();
    const pipeline = pipelineWith(sink, mkdtempSync(join(tmpdir(), 'spool-')), 15);
    await pipeline.start();
    await pipeline.emit('a', records('a', 10));
    await pipeline.emit('b', records('b', 20));
    await pipeline.emit('a', records('a', 20).slice(10));
    await pipeline.finish();
    const marked = (prefix: string) =>
      [...sink.sends].filter(([id, sends]) => id.startsWith(prefix) && sends[0]).map(([id]) => id);
    expect(marked('a-')).toEqual(records('a', 15).map((r) => r.id));
    expect(marked('b-')).toEqual(records('b', 15).map((r) => r.id));
  });

  it('are sent again marked after a failure whose outcome is unknown', async () => {
    const sink = new RecordingSink((call) => (call === 0 ? new RetryableError('timed out') : 'ok'));
    const pipeline = pipelineWith(sink, mkdtempSync(join(tmpdir(), 'spool-')));
    await pipeline.start();
    await pipeline.emit('a', records('a', 5));
    await pipeline.finish();
    expect(sink.sends.get('a-0')).toEqual([false, true]);
  });
});

describe('a sink that refuses for good', () => {
  it('stops the pipeline with its error instead of retrying, and keeps what was not written', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'spool-'));
    const refusal = new ConfigError('the API key lacks index privilege `create_doc`');
    const sink = new RecordingSink(() => refusal);
    const pipeline = pipelineWith(sink, spool);
    await pipeline.start();
    await pipeline.emit('a', records('a', 25));
    await expect(pipeline.finish()).rejects.toBe(refusal);
    expect(pipeline.signal.aborted).toBe(true);
    // One attempt only, and everything queued is in the spool for the next start, marked as a possible replay.
    expect(sink.sends.get('a-0')).toEqual([false]);
    const next = new RecordingSink();
    const restarted = pipelineWith(next, spool);
    await restarted.start();
    await restarted.finish();
    expect([...next.sends.keys()].sort()).toEqual(
      records('a', 25)
        .map((r) => r.id)
        .sort(),
    );
    expect([...next.sends.values()].every((sends) => sends[0])).toBe(true);
  });
});
