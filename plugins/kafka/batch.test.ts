import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { recordingContext } from '../../test/support/source-context.js';
import { batchHandler } from './batch.js';
import { type Committed, OffsetCommits } from './commits.js';

function message(offset: number, value: Buffer | null): KafkaMessage {
  return {
    key: null,
    value,
    timestamp: '0',
    attributes: 0,
    offset: String(offset),
    headers: {},
  } as KafkaMessage;
}

function payload(messages: KafkaMessage[]): EachBatchPayload {
  return {
    batch: { topic: 'flows', partition: 1, messages },
    resolveOffset: () => undefined,
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
}

/** A batch handler heartbeating every 10 ms while `ctx` holds its batch. */
function heartbeatingHandler(ctx: ReturnType<typeof recordingContext>) {
  const consumer = { commitOffsets: async () => undefined } as unknown as Consumer;
  return batchHandler(ctx, new OffsetCommits(consumer, pino({ level: 'silent' })), {
    plugin: 'kafka',
    heartbeatMs: 10,
    decode: (_topic, _partition, m) => ({ dataset: 'test', id: m.offset, doc: {} }),
  });
}

describe("a Kafka consumer's batch", () => {
  it('dead-letters a message it cannot decode (binary ones as base64), hands over the rest and commits past all', async () => {
    const ctx = recordingContext();
    let failed = 0;
    ctx.counters.recordsFailed = () => {
      failed++;
    };
    const committed: Committed[] = [];
    const consumer = {
      commitOffsets: async (offsets: Committed[]) => {
        committed.push(...offsets);
      },
    } as unknown as Consumer;
    const handle = batchHandler(ctx, new OffsetCommits(consumer, pino({ level: 'silent' })), {
      plugin: 'kafka',
      heartbeatMs: 1000,
      decode: (_topic, _partition, m) => {
        if (m.value?.[0] !== 0x7b) throw new ParseError('not a flow');
        return { dataset: 'test', id: m.offset, doc: {} };
      },
      raw: (_topic, value) => value.toString('base64'),
    });
    await handle(
      payload([
        message(10, Buffer.from('{}')),
        message(11, Buffer.from([0x00, 0xff, 0x10])),
        message(12, Buffer.from('{}')),
      ]),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(ctx.records.map((r) => r.id)).toEqual(['10', '12']);
    expect(failed).toBe(1);
    expect(ctx.dead).toEqual([
      {
        plugin: 'kafka',
        reason: 'not a flow',
        origin: 'flows/1/11',
        raw: Buffer.from([0x00, 0xff, 0x10]).toString('base64'),
      },
    ]);
    expect(committed).toEqual([{ topic: 'flows', partition: 1, offset: '13' }]);
  });

  it('keeps heartbeating while the pipeline holds the batch back, and stops once it is taken', async () => {
    const ctx = recordingContext();
    let release: () => void = () => undefined;
    ctx.emit = (batch) => {
      ctx.records.push(...batch);
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };
    const handle = heartbeatingHandler(ctx);
    let heartbeats = 0;
    const handling = handle({
      ...payload([message(1, Buffer.from('{}'))]),
      heartbeat: async () => {
        heartbeats++;
        // A heartbeat refused during a rebalance must not end the batch.
        if (heartbeats === 2) throw new Error('The group is rebalancing');
      },
    } as EachBatchPayload);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const whileHeld = heartbeats;
    expect(whileHeld).toBeGreaterThanOrEqual(5);
    release();
    await handling;
    const afterwards = heartbeats;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(heartbeats).toBe(afterwards);
    expect(ctx.records.map((r) => r.id)).toEqual(['1']);
  });

  it('stops heartbeating when the input stops, though the pipeline never takes the batch', async () => {
    const stopping = new AbortController();
    const ctx = recordingContext(stopping.signal);
    ctx.emit = () => new Promise<void>(() => undefined);
    const handle = heartbeatingHandler(ctx);
    let heartbeats = 0;
    void handle({
      ...payload([message(1, Buffer.from('{}'))]),
      heartbeat: async () => {
        heartbeats++;
      },
    } as EachBatchPayload);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(heartbeats).toBeGreaterThan(0);
    stopping.abort();
    const atStop = heartbeats;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(heartbeats).toBe(atStop);
  });
});
