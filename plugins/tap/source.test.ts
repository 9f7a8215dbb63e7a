import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
import type { PacketRing, RingStats } from './ring.js';
import { createTapSource, type PacketMeter, type PacketMeterStats } from './source.js';

const BLOCK_TIMEOUT_MS = 20;

/** A ring that hands over the chunks it is given, then nothing (after a short wait, as a quiet link does). */
class ScriptedRing implements PacketRing {
  closed = false;
  readonly chunks: Buffer[] = [];

  async read(): Promise<Buffer | undefined> {
    const chunk = this.chunks.shift();
    if (chunk === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    return chunk;
  }

  stats(): RingStats {
    return {
      kernelPackets: 0,
      kernelDrops: 0,
      frames: 0,
      bytes: 0,
      unbuffered: 0,
      socketErrors: 0,
      lastError: '',
    };
  }

  linktype(): number {
    return 1;
  }

  ifindex(): number {
    return 7;
  }

  close(): void {
    this.closed = true;
  }
}

/** A meter whose every chunk is one frame that ends one flow, and that holds one more flow until it ends. */
class CountingMeter implements PacketMeter {
  frames = 0;
  ticks: number[] = [];
  private out: PipelineRecord[] = [];

  push(chunk: Buffer): boolean {
    this.frames++;
    this.out.push(flow(chunk.toString()));
    return chunk.toString() !== 'garbage';
  }

  tick(nowMs: number): void {
    this.ticks.push(nowMs);
  }

  take(): PipelineRecord[] {
    const taken = this.out;
    this.out = [];
    return taken;
  }

  end(): void {
    this.out.push(flow('held'));
  }

  stats(): PacketMeterStats {
    return {
      frames: this.frames,
      ipPackets: this.frames,
      notIp: 0,
      broken: 0,
      fragments: 0,
      flows: 0,
      evicted: 0,
      active: 1,
      error: 'framing lost',
      outputFailed: 0,
    };
  }
}

function flow(id: string): PipelineRecord {
  return { dataset: 'flowtrail.flows', id, doc: {} };
}

describe('the tap source', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flowtrail-tap-source-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function start(interfaces: string[]) {
    const rings = new Map<string, ScriptedRing>();
    const meters = new Map<string, CountingMeter>();
    const source = createTapSource({
      interfaces,
      ring: {
        filter: '',
        snaplen: 128,
        promiscuous: true,
        blockBytes: 1 << 20,
        blocks: 2,
        blockTimeoutMs: BLOCK_TIMEOUT_MS,
      },
      journalDir: join(dir, 'flows'),
      meterFor: (name, ifindex) => {
        expect(ifindex).toBe(7);
        const meter = new CountingMeter();
        meters.set(name, meter);
        return meter;
      },
      openRing: (options) => {
        const ring = new ScriptedRing();
        rings.set(options.interface, ring);
        return ring;
      },
    });
    const stop = new AbortController();
    const emitted: Array<{ ids: string[]; onWritten?: () => void }> = [];
    let packets = 0;
    const ctx: SourceContext = {
      logger: pino({ level: 'silent' }),
      signal: stop.signal,
      counters: {
        recordsIn: (n = 1) => {
          packets += n;
        },
        recordsFailed: () => undefined,
        repaired: () => undefined,
      },
      emit: async (records, onWritten) => {
        emitted.push({ ids: records.map((r) => r.id), onWritten });
      },
      deadLetter: () => undefined,
    };
    return { source, rings, meters, stop, emitted, ctx, packets: () => packets };
  }

  it('journals and hands over each flow as it leaves the meter, moves the clock when the ring is quiet, ends the rest at stop', async () => {
    const { source, rings, meters, stop, emitted, ctx, packets } = start(['eth1']);
    rings.get('eth1')!.chunks.push(Buffer.from('a'), Buffer.from('b'));
    const running = source.run(ctx);
    const meter = meters.get('eth1')!;
    // The journal's writes are flushed to disk: on a loaded machine that takes a while.
    await vi.waitFor(() => expect(meter.ticks.length).toBeGreaterThan(0), { timeout: 10_000 });
    expect(emitted.map((e) => e.ids)).toEqual([['a'], ['b']]);
    expect(readdirSync(join(dir, 'flows'))).toHaveLength(2);
    expect(Math.max(...meter.ticks)).toBeLessThanOrEqual(Date.now() - 2 * BLOCK_TIMEOUT_MS);

    stop.abort();
    await running;
    expect(emitted.map((e) => e.ids)).toEqual([['a'], ['b'], ['held']]);
    expect(packets()).toBe(2);
    expect(rings.get('eth1')!.closed).toBe(true);
    for (const e of emitted) e.onWritten?.();
    expect(readdirSync(join(dir, 'flows'))).toHaveLength(0);
  });

  it('flows a killed run left in the journal are written first', async () => {
    const first = start(['eth1']);
    first.rings.get('eth1')!.chunks.push(Buffer.from('left'));
    const running = first.source.run(first.ctx);
    await vi.waitFor(() => expect(first.emitted).toHaveLength(1), { timeout: 10_000 });
    // Never written: the process "dies" here, its journal stays.
    first.stop.abort();
    await running;

    const second = start(['eth1']);
    second.stop.abort();
    await second.source.run(second.ctx);
    expect(second.emitted[0].ids).toEqual(['left']);
    expect(second.emitted.slice(1).flatMap((e) => e.ids)).toEqual(['held', 'held']);
    expect(second.source.stats().replayedFlows).toBe(2);
  });

  it('an interface whose stream cannot be read stops with the reason; the others run on until the stop', async () => {
    const { source, rings, stop, emitted, ctx } = start(['eth1', 'eth2']);
    rings.get('eth1')!.chunks.push(Buffer.from('garbage'));
    const running = source.run(ctx);
    await vi.waitFor(() => expect(rings.get('eth1')!.closed).toBe(true), { timeout: 10_000 });
    expect(rings.get('eth2')!.closed).toBe(false);
    stop.abort();
    await expect(running).rejects.toThrow('inputs.pcap: eth1: capture stream unreadable: framing lost');
    // The broken interface's flows are written out when it stops, the other's at the stop.
    expect(emitted.flatMap((e) => e.ids)).toEqual(['garbage', 'held', 'held']);
  });
});
