/**
 * The flow meter of a live capture: the same native meter and flow documents as `ingest pcap`, fed the pcap byte
 * stream a live tap builds from its ring, with the wall clock driving idle timeouts between packets.
 */
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { readFlows, type TapIdentity, tapFlowFacts } from './flow-records.js';
import { type CaptureMeter, createCaptureMeter, type MeterOptions, type MeterStats } from './meter.js';

export interface LiveFlowMeter {
  /** Meters the frames these bytes of the pcap stream complete; false once its framing is lost. */
  push(chunk: Buffer): boolean;
  /** The wall clock (epoch ms): flows idle since are written out. */
  tick(nowMs: number): void;
  /** The flow documents written out since the last take. */
  take(): PipelineRecord[];
  /** Writes out every flow (the capture stops). */
  end(): void;
  stats(): MeterStats;
}

class CaptureFlowMeter implements LiveFlowMeter {
  private readonly meter: CaptureMeter;

  constructor(
    options: MeterOptions,
    private readonly tap: TapIdentity,
    private readonly localNetworks: LocalNetworks,
  ) {
    this.meter = createCaptureMeter(options);
  }

  push(chunk: Buffer): boolean {
    return this.meter.push(chunk);
  }

  tick(nowMs: number): void {
    this.meter.tick(nowMs);
  }

  take(): PipelineRecord[] {
    const records = this.meter.take();
    if (records === undefined) return [];
    const context = { localNetworks: this.localNetworks, now: Date.now() };
    return readFlows(records).map((flow) => toFlowRecord(tapFlowFacts(flow, this.tap), context));
  }

  end(): void {
    this.meter.end();
  }

  stats(): MeterStats {
    return this.meter.stats();
  }
}

/** A meter for one interface's capture; throws when the native meter is not built (see meterUnavailable). */
export function createLiveFlowMeter(
  options: MeterOptions,
  tap: TapIdentity,
  localNetworks: LocalNetworks,
): LiveFlowMeter {
  return new CaptureFlowMeter(options, tap, localNetworks);
}
