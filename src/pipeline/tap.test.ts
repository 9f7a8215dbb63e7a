import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../observability/metrics.js';
import { DeadLetterWriter } from './dead-letter.js';
import { Pipeline } from './pipeline.js';
import type { OutgoingRecord, PipelineRecord, RecordTap, Sink } from './types.js';

class MemorySink implements Sink {
  readonly name = 'memory';
  readonly ids: string[] = [];
  async write(batch: readonly OutgoingRecord[]) {
    for (const item of batch) this.ids.push(item.record.id);
    return { retry: [], rejected: [] };
  }
}

function pipelineWith(sink: Sink, maxQueuedRecords = 1000) {
  return new Pipeline({
    sinks: [sink],
    logger: pino({ level: 'silent' }),
    metrics: new Metrics(),
    deadLetter: new DeadLetterWriter(join(mkdtempSync(join(tmpdir(), 'flowtrail-tap-')), 'dlq')),
    batch: { maxDocs: 100, maxBytes: 1024 * 1024, flushIntervalMs: 10, concurrency: 1 },
    retry: { initialBackoffMs: 1, maxBackoffMs: 5 },
    maxQueuedRecords,
  });
}

const record = (i: number, json?: string): PipelineRecord => ({
  dataset: 'test',
  id: `id-${i}`,
  doc: { n: i },
  json,
});

describe('pipeline taps', () => {
  it('see every queued record with the JSON body that is sent, and may still emit when the pipeline finishes', async () => {
    const sink = new MemorySink();
    const pipeline = pipelineWith(sink);
    const seen: string[] = [];
    const tap: RecordTap = {
      observe(plugin, records) {
        for (const { record, json } of records) seen.push(`${plugin} ${record.id} ${json}`);
      },
      async finish() {
        await pipeline.emit('tap', [record(9)]);
      },
    };
    pipeline.tap(tap);
    await pipeline.start();
    await pipeline.emit('a', [record(1), record(2, '{"pre":"serialized"}')]);
    await pipeline.finish();
    expect(seen).toEqual(['a id-1 {"n":1}', 'a id-2 {"pre":"serialized"}', 'tap id-9 {"n":9}']);
    expect(sink.ids.sort()).toEqual(['id-1', 'id-2', 'id-9']);
  });

  it('do not see records the full queue dropped', async () => {
    const pipeline = pipelineWith(new MemorySink(), 2);
    const seen: string[] = [];
    pipeline.tap({ observe: (_plugin, records) => seen.push(...records.map((r) => r.record.id)) });
    void pipeline.emit(
      'a',
      [1, 2, 3, 4, 5, 6].map((i) => record(i)),
    );
    expect(seen).toEqual(['id-1', 'id-2', 'id-3', 'id-4']);
    await pipeline.finish();
  });
});
