import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../errors.js';
import { counterTotal, Metrics } from '../observability/metrics.js';
import { DeadLetterWriter } from './dead-letter.js';
import { Pipeline, type PipelineOptions } from './pipeline.js';
import { Spool } from './spool.js';
import type { OutgoingRecord, PipelineRecord, Sink, SinkOutcome } from './types.js';

const record = (i: number): PipelineRecord => ({ dataset: 'test', id: `id-${i}`, doc: { n: i } });

/** A sink scripted per call: what it stores and what it answers, to drive the pipeline's retry logic. */
class ScriptedSink implements Sink {
  readonly name = 'scripted';
  readonly stored = new Map<string, number>();
  readonly batchSizes: number[] = [];
  calls = 0;
  constructor(
    private readonly script: (call: number, batch: readonly OutgoingRecord[]) => 'ok' | 'down' | SinkOutcome,
  ) {}
  async write(batch: readonly OutgoingRecord[]): Promise<SinkOutcome> {
    const answer = this.script(this.calls++, batch);
    if (answer === 'down') throw new RetryableError('down');
    this.batchSizes.push(batch.length);
    const refused =
      answer === 'ok' ? new Set() : new Set([...answer.retry, ...answer.rejected].map((r) => r.item));
    for (const item of batch) {
      if (!refused.has(item)) this.stored.set(item.record.id, (this.stored.get(item.record.id) ?? 0) + 1);
    }
    return answer === 'ok' ? { retry: [], rejected: [] } : answer;
  }
}

function pipelineWith(sink: Sink, overrides: Partial<PipelineOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-pipeline-'));
  const metrics = new Metrics();
  const deadLetter = new DeadLetterWriter(join(dir, 'dlq'));
  const pipeline = new Pipeline({
    sinks: [sink],
    logger: pino({ level: 'silent' }),
    metrics,
    deadLetter,
    spool: new Spool(join(dir, 'spool')),
    batch: { maxDocs: 100, maxBytes: 1024 * 1024, flushIntervalMs: 20, concurrency: 2 },
    retry: { initialBackoffMs: 1, maxBackoffMs: 5 },
    maxQueuedRecords: 1000,
    ...overrides,
  });
  return { pipeline, metrics, deadLetter, dir };
}

describe('pipeline', () => {
  it('batches by count and flushes the remainder on finish', async () => {
    const sink = new ScriptedSink(() => 'ok');
    const { pipeline } = pipelineWith(sink);
    await pipeline.start();
    await pipeline.emit(
      'src',
      Array.from({ length: 250 }, (_, i) => record(i)),
    );
    await pipeline.finish();
    expect(sink.stored.size).toBe(250);
    expect(Math.max(...sink.batchSizes)).toBe(100);
    expect(sink.batchSizes.reduce((a, b) => a + b, 0)).toBe(250);
  });

  it('batches by bytes', async () => {
    const sink = new ScriptedSink(() => 'ok');
    const { pipeline } = pipelineWith(sink, {
      batch: { maxDocs: 1000, maxBytes: 2000, flushIntervalMs: 20, concurrency: 1 },
    });
    await pipeline.start();
    await pipeline.emit(
      'src',
      Array.from({ length: 100 }, (_, i) => record(i)),
    );
    await pipeline.finish();
    expect(sink.stored.size).toBe(100);
    expect(sink.batchSizes.length).toBeGreaterThan(3);
  });

  it('flushes a partial batch after the flush interval without finishing', async () => {
    const sink = new ScriptedSink(() => 'ok');
    const { pipeline } = pipelineWith(sink);
    await pipeline.start();
    await pipeline.emit('src', [record(1), record(2)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sink.stored.size).toBe(2);
    await pipeline.finish();
  });

  it('sends a pre-serialized record as is, without reading or serializing its doc', async () => {
    const json = '{"n":7,"pre":"serialized"}';
    const untouched: PipelineRecord = {
      dataset: 'test',
      id: 'pre-7',
      json,
      get doc(): Record<string, unknown> {
        throw new Error('doc read although json was given');
      },
    };
    const written: string[] = [];
    const sink = new ScriptedSink((_, batch) => {
      for (const item of batch) written.push(item.json);
      return 'ok';
    });
    const { pipeline } = pipelineWith(sink);
    await pipeline.start();
    await pipeline.emit('src', [untouched, record(8)]);
    await pipeline.finish();
    expect(written).toEqual([json, '{"n":8}']);
    expect(sink.stored.has('pre-7')).toBe(true);
  });

  it('sizes batches by the pre-serialized json', async () => {
    const sink = new ScriptedSink(() => 'ok');
    const { pipeline } = pipelineWith(sink, {
      batch: { maxDocs: 1000, maxBytes: 2000, flushIntervalMs: 20, concurrency: 1 },
    });
    await pipeline.start();
    const padded = JSON.stringify({ pad: 'x'.repeat(400) });
    await pipeline.emit(
      'src',
      Array.from({ length: 10 }, (_, i) => ({ dataset: 'test', id: `big-${i}`, doc: {}, json: padded })),
    );
    await pipeline.finish();
    expect(sink.stored.size).toBe(10);
    // ~470 bytes each against 2000 per batch: four to a batch, not all ten as `{}` would allow.
    expect(Math.max(...sink.batchSizes)).toBe(4);
  });

  it('retries whole batches while the sink is down and only the refused records after a partial failure', async () => {
    const sink = new ScriptedSink((call, batch) => {
      if (call < 3) return 'down';
      if (call === 3) return { retry: [{ item: batch[0], reason: '429' }], rejected: [] };
      return 'ok';
    });
    const { pipeline, metrics } = pipelineWith(sink);
    await pipeline.start();
    await pipeline.emit(
      'src',
      Array.from({ length: 50 }, (_, i) => record(i)),
    );
    await pipeline.finish();
    expect(sink.stored.size).toBe(50);
    expect([...sink.stored.values()].every((n) => n === 1)).toBe(true);
    expect(await counterTotal(metrics.retries)).toBe(3 * 50 + 1);
    expect(await counterTotal(metrics.recordsOut)).toBe(50);
  });

  it('dead-letters rejected records with the reason and counts them', async () => {
    const sink = new ScriptedSink((_call, batch) => ({
      retry: [],
      rejected: [{ item: batch[1], reason: '400 mapper_parsing_exception' }],
    }));
    const { pipeline, metrics, deadLetter } = pipelineWith(sink);
    await pipeline.start();
    await pipeline.emit('src', [record(0), record(1), record(2)]);
    await pipeline.finish();
    const lines = readFileSync(deadLetter.fileFor('scripted'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      plugin: 'scripted',
      reason: '400 mapper_parsing_exception',
      record: { id: 'id-1' },
    });
    expect(await counterTotal(metrics.recordsDeadLettered)).toBe(1);
    expect(await counterTotal(metrics.recordsOut)).toBe(2);
  });

  it('runs emit callbacks in emit order, only after their records are written', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sink: Sink = {
      name: 'gated',
      async write(batch) {
        // The first batch is held back so the second completes first.
        if (batch[0].record.id === 'id-0') await gate;
        return { retry: [], rejected: [] };
      },
    };
    const { pipeline } = pipelineWith(sink, {
      batch: { maxDocs: 10, maxBytes: 1 << 20, flushIntervalMs: 5, concurrency: 2 },
    });
    await pipeline.start();
    const order: string[] = [];
    await pipeline.emit(
      'src',
      Array.from({ length: 10 }, (_, i) => record(i)),
      () => order.push('first'),
    );
    await pipeline.emit(
      'src',
      Array.from({ length: 10 }, (_, i) => record(100 + i)),
      () => order.push('second'),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual([]);
    release();
    await pipeline.finish();
    expect(order).toEqual(['first', 'second']);
  });

  it('makes emitters wait when the queue is full (backpressure)', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sink: Sink = {
      name: 'slow',
      async write() {
        await gate;
        return { retry: [], rejected: [] };
      },
    };
    const { pipeline } = pipelineWith(sink, {
      maxQueuedRecords: 100,
      batch: { maxDocs: 50, maxBytes: 1 << 20, flushIntervalMs: 5, concurrency: 1 },
    });
    await pipeline.start();
    let resolved = false;
    pipeline
      .emit(
        'src',
        Array.from({ length: 200 }, (_, i) => record(i)),
      )
      .then(() => {
        resolved = true;
      });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(resolved).toBe(false);
    release();
    await pipeline.finish();
    expect(resolved).toBe(true);
  });

  it('counts what it must drop beyond twice the queue limit', async () => {
    const sink: Sink = { name: 'never', write: () => new Promise(() => {}) };
    const { pipeline, metrics } = pipelineWith(sink, { maxQueuedRecords: 10, shutdownGraceMs: 10 });
    await pipeline.start();
    void pipeline.emit(
      'udp',
      Array.from({ length: 50 }, (_, i) => record(i)),
    );
    expect(await counterTotal(metrics.recordsDropped)).toBe(30);
  });

  it('spools what it could not write before the grace period and writes it at the next start', async () => {
    const down = new ScriptedSink(() => 'down');
    const first = pipelineWith(down, { shutdownGraceMs: 50 });
    await first.pipeline.start();
    await first.pipeline.emit(
      'src',
      Array.from({ length: 30 }, (_, i) => record(i)),
    );
    await first.pipeline.finish();
    expect(down.stored.size).toBe(0);

    const up = new ScriptedSink(() => 'ok');
    const spool = new Spool(join(first.dir, 'spool'));
    expect(spool.load()[0].records).toHaveLength(30);
    const second = pipelineWith(up, { spool });
    await second.pipeline.start();
    await second.pipeline.finish();
    expect(up.stored.size).toBe(30);
    expect(spool.load()).toHaveLength(0);
  });

  it('without a grace limit, waits at the end for a store that comes back instead of spooling', async () => {
    const flaky = new ScriptedSink((call) => (call < 3 ? 'down' : 'ok'));
    const { pipeline, dir } = pipelineWith(flaky, { shutdownGraceMs: Number.POSITIVE_INFINITY });
    await pipeline.start();
    await pipeline.emit(
      'src',
      Array.from({ length: 30 }, (_, i) => record(i)),
    );
    await pipeline.finish();
    expect(flaky.stored.size).toBe(30);
    expect(new Spool(join(dir, 'spool')).load()).toHaveLength(0);
  });

  it('at shutdown, never acknowledges records it could neither write nor spool', async () => {
    const down = new ScriptedSink(() => 'down');
    const blocked = pipelineWith(down, { shutdownGraceMs: 50 });
    // A spool directory under a regular file cannot be created: the spool write fails as on a full disk.
    writeFileSync(join(blocked.dir, 'not-a-directory'), '');
    const spool = new Spool(join(blocked.dir, 'not-a-directory', 'spool'));
    const { pipeline, metrics } = pipelineWith(down, { shutdownGraceMs: 50, spool });
    const acknowledged: number[] = [];
    await pipeline.start();
    await pipeline.emit('src', [record(0)], () => acknowledged.push(0));
    await pipeline.emit('src', [record(1)], () => acknowledged.push(1));
    await pipeline.finish();
    expect(acknowledged).toEqual([]);
    expect(await counterTotal(metrics.recordsDropped)).toBe(2);
  });

  it('writes what a torn spool file still holds, dead-letters the rest and removes what a crash left', async () => {
    const { dir } = pipelineWith(new ScriptedSink(() => 'ok'));
    const spool = new Spool(join(dir, 'spool'));
    const file = spool.save([record(0), record(1), record(2)]) as string;
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.length - 10));
    writeFileSync(`${file}.tmp`, '{"dataset":"test","id":');
    const up = new ScriptedSink(() => 'ok');
    const second = pipelineWith(up, { spool });
    await second.pipeline.start();
    await second.pipeline.finish();
    expect([...up.stored.keys()]).toEqual(['id-0', 'id-1']);
    const dead = readFileSync(second.deadLetter.fileFor('spool'), 'utf8').trim().split('\n');
    expect(dead.map((line) => JSON.parse(line).reason)).toEqual(['not a spooled record']);
    expect(readdirSync(join(dir, 'spool'))).toEqual([]);
  });
});
