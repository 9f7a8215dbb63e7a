import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../errors.js';
import { Metrics } from '../observability/metrics.js';
import { DeadLetterWriter } from './dead-letter.js';
import { humanDuration } from './outage.js';
import { Pipeline } from './pipeline.js';
import type { OutgoingRecord, Sink, SinkOutcome } from './types.js';

/** A sink that is down until `up` is set. */
class FlakySink implements Sink {
  readonly name = 'elasticsearch';
  up = false;
  async write(_batch: readonly OutgoingRecord[]): Promise<SinkOutcome> {
    if (!this.up) throw new RetryableError('connect ECONNREFUSED');
    return { retry: [], rejected: [] };
  }
}

describe('sink outages in the log', () => {
  it('says once that a sink is unavailable and once that it recovered, after how long and what came in meanwhile', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const sink = new FlakySink();
    const pipeline = new Pipeline({
      sinks: [sink],
      logger,
      metrics: new Metrics(),
      deadLetter: new DeadLetterWriter(join(mkdtempSync(join(tmpdir(), 'flowtrail-outage-')), 'dlq')),
      batch: { maxDocs: 2, maxBytes: 1024 * 1024, flushIntervalMs: 5, concurrency: 2 },
      retry: { initialBackoffMs: 5, maxBackoffMs: 20 },
      maxQueuedRecords: 1000,
    });
    await pipeline.start();
    const record = (i: number) => ({ dataset: 'test', id: `id-${i}`, doc: { n: i } });
    void pipeline.emit('netflow', [record(0), record(1), record(2), record(3)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    void pipeline.emit('netflow', [record(4)]);
    expect(pipeline.health()).toMatchObject({
      status: 'degraded',
      detail: { failing: { elasticsearch: 'connect ECONNREFUSED' } },
    });
    sink.up = true;
    await pipeline.finish();
    const said = lines.map((l) => l.msg);
    // Two batches failed at once, again and again: one outage, said once.
    expect(said.filter((m) => m === 'elasticsearch unavailable, retrying')).toHaveLength(1);
    const recovered = lines.filter((l) => String(l.msg).startsWith('elasticsearch recovered after '));
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ plugin: 'elasticsearch', records_meanwhile: 1 });
    expect(recovered[0].down_ms).toBeGreaterThanOrEqual(90);
    expect(recovered[0].failed_attempts).toBeGreaterThan(2);
    expect(recovered[0].msg).toMatch(/^elasticsearch recovered after \d+s, 1 records taken in meanwhile$/);
    expect(pipeline.health().status).toBe('ok');
  });

  it('says durations as people do', () => {
    expect([900, 42_000, 60_000, 185_000, 3_600_000, 3_720_000].map(humanDuration)).toEqual([
      '1s',
      '42s',
      '1m',
      '3m 5s',
      '1h',
      '1h 2m',
    ]);
  });
});
