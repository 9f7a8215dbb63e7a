/**
 * `inputs.pcap`: live capture on one or more interfaces, metered into flows while it runs. Each interface has a
 * receive ring (ring.ts) and a flow meter of its own, which the composition root hands in (the meter is the
 * `pcap` codec's, so live and file captures become the same flows); the ring's pcap stream goes to the meter as it
 * is read. Flows leave a meter on their idle or active timeout, driven by packet times and, when the link is
 * quiet, by the wall clock; they wait in the journal (journal.ts) until the outputs wrote them.
 */
import type { Logger } from 'pino';
import type { PipelineRecord, Source, SourceContext } from '../../src/pipeline/types.js';
import { FlowJournal } from './journal.js';
import { readRingIntoMeter, type StreamMeter } from './reader.js';
import { openRing, type PacketRing, type RingOptions, type RingStats } from './ring.js';

/** What the tap needs of a flow meter. */
export interface PacketMeter extends StreamMeter {
  /** The flow documents written out since the last take. */
  take(): PipelineRecord[];
  /** Writes out every flow. */
  end(): void;
  stats(): PacketMeterStats;
}

export interface PacketMeterStats {
  frames: number;
  ipPackets: number;
  notIp: number;
  broken: number;
  fragments: number;
  flows: number;
  evicted: number;
  active: number;
  error: string;
  outputFailed: number;
}

export interface TapSourceOptions {
  interfaces: string[];
  ring: Omit<RingOptions, 'interface'>;
  /** The meter of one interface's capture (`ifindex`: its index, as `ip link` numbers it). */
  meterFor(interfaceName: string, ifindex: number): PacketMeter;
  /** Where flows wait until they are written. */
  journalDir: string;
  /** Opens an interface's ring; the native one (ring.ts) unless a test hands in its own. */
  openRing?: (options: RingOptions) => PacketRing;
}

export interface TapInterfaceStats {
  interface: string;
  ring: RingStats;
  meter: PacketMeterStats;
}

export interface TapStats {
  interfaces: TapInterfaceStats[];
  journalFailures: number;
  replayedFlows: number;
}

export interface TapSource extends Source {
  stats(): TapStats;
  /** Releases the sockets (run does at its end). */
  close(): void;
}

/** Packets are counted into `flowtrail_records_in_total` and socket errors looked at this often. */
const COUNT_INTERVAL_MS = 1000;

class InterfaceCapture {
  private lastCount = 0;
  private countedFrames = 0;
  private countedErrors = 0;
  private closed = false;
  private lastRing: RingStats;

  constructor(
    readonly name: string,
    private readonly ring: PacketRing,
    private readonly meter: PacketMeter,
    private readonly journal: FlowJournal,
    /** How far the wall clock is held back (reader.ts): twice the ring's block timeout. */
    private readonly clockLagMs: number,
  ) {
    this.lastRing = ring.stats();
  }

  stats(): TapInterfaceStats {
    return { interface: this.name, ring: this.ringStats(), meter: this.meter.stats() };
  }

  /** The ring's counters; those it had when it was closed, after. */
  private ringStats(): RingStats {
    if (!this.closed) this.lastRing = this.ring.stats();
    return this.lastRing;
  }

  /** Captures until the stop; the meter's flows are all written out at the end, also when its stream broke. */
  async run(ctx: SourceContext): Promise<void> {
    this.lastCount = Date.now();
    let broken: Error | undefined;
    try {
      const intact = await readRingIntoMeter(this.ring, this.meter, {
        clockLagMs: this.clockLagMs,
        stopped: () => ctx.signal.aborted || this.closed,
        afterRead: async () => {
          await this.handOver(ctx);
          if (Date.now() - this.lastCount >= COUNT_INTERVAL_MS) this.count(ctx);
        },
      });
      if (!intact)
        broken = new Error(
          `inputs.pcap: ${this.name}: capture stream unreadable: ${this.meter.stats().error}`,
        );
      this.close();
      this.meter.end();
      await this.handOver(ctx);
      this.count(ctx);
    } finally {
      this.close();
    }
    if (broken) throw broken;
  }

  close(): void {
    if (this.closed) return;
    this.ringStats();
    this.closed = true;
    this.ring.close();
  }

  /**
   * Flows the meter wrote out go to the journal and the pipeline at once (the pipeline batches them): from then on
   * a crash no longer loses them.
   */
  private async handOver(ctx: SourceContext): Promise<void> {
    const records = this.meter.take();
    if (records.length > 0) await ctx.emit(records, this.journal.hold(records, ctx.logger));
  }

  private count(ctx: SourceContext): void {
    this.lastCount = Date.now();
    const { frames } = this.meter.stats();
    if (frames > this.countedFrames) ctx.counters.recordsIn(frames - this.countedFrames);
    this.countedFrames = frames;
    this.reportSocketErrors(ctx.logger);
  }

  private reportSocketErrors(logger: Logger): void {
    const { socketErrors, lastError } = this.ringStats();
    if (socketErrors === this.countedErrors) return;
    logger.warn(
      { interface: this.name, errors: socketErrors - this.countedErrors, error: lastError },
      'tap: the capture socket reported an error (the interface went down?)',
    );
    this.countedErrors = socketErrors;
  }
}

/**
 * Opens a ring on every interface now, so that a missing interface or capability is said at start; throws
 * `RingOpenError` (naming the interface) when one cannot be opened, after closing those that were.
 */
export function createTapSource(options: TapSourceOptions): TapSource {
  const journal = new FlowJournal(options.journalDir);
  const captures: InterfaceCapture[] = [];
  try {
    for (const name of options.interfaces) {
      const ring = (options.openRing ?? openRing)({ ...options.ring, interface: name });
      let meter: PacketMeter;
      try {
        meter = options.meterFor(name, ring.ifindex());
      } catch (err) {
        ring.close();
        throw err;
      }
      captures.push(new InterfaceCapture(name, ring, meter, journal, 2 * options.ring.blockTimeoutMs));
    }
  } catch (err) {
    for (const capture of captures) capture.close();
    throw err;
  }
  return {
    name: 'pcap',
    async run(ctx) {
      try {
        await journal.replay(ctx);
      } catch (err) {
        for (const capture of captures) capture.close();
        throw err;
      }
      const results = await Promise.allSettled(
        captures.map((capture) =>
          capture.run(ctx).catch((err: Error) => {
            ctx.logger.error({ interface: capture.name, err: err.message }, 'tap: capture stopped');
            throw err;
          }),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    stats: () => ({
      interfaces: captures.map((capture) => capture.stats()),
      journalFailures: journal.failures,
      replayedFlows: journal.replayed,
    }),
    close() {
      for (const capture of captures) capture.close();
    },
  };
}
