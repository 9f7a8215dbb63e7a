/**
 * `watch` over the native flow meter (codecs/pcap): each poll hands over the flows the meter wrote out since the
 * last one and a snapshot of the open flows that counted a packet since (not the whole table: a busy link's
 * table holds far more flows than change in a second). Whatever feeds the meter (a capture file being replayed,
 * a live capture) the feed is the same.
 */
import { type MeteredFlow, readFlows } from '../../codecs/pcap/flow-records.js';
import type { MeterSnapshot } from '../../codecs/pcap/meter.js';
import type { FeedUpdate, FlowSample } from './flow-table.js';
import type { WatchFeed } from './run.js';

/** What the feed needs of a meter: the CaptureMeter of codecs/pcap/meter.ts, or any packet source's over one. */
export interface MeterTap {
  take(): Buffer | undefined;
  snapshot(since: number): MeterSnapshot;
}

export function sampleOf(flow: MeteredFlow, iface: string, open: boolean): FlowSample {
  return {
    iface,
    protocol: flow.protocol,
    sourceIp: flow.sourceIp,
    destinationIp: flow.destinationIp,
    sourcePort: flow.sourcePort,
    destinationPort: flow.destinationPort,
    vlan: flow.vlan,
    start: flow.start,
    end: flow.end,
    packets: flow.packets,
    bytes: flow.bytes,
    reversePackets: flow.reversePackets,
    reverseBytes: flow.reverseBytes,
    sourceFlags: flow.sourceFlags,
    destinationFlags: flow.destinationFlags,
    state: flow.protocol === 6 ? flow.state : undefined,
    history: flow.history,
    sourceMac: flow.sourceMac,
    destinationMac: flow.destinationMac,
    sizes: flow.sizes,
    open,
  };
}

/** What drives the meter: what it is doing, and how it is stopped. */
export interface MeterDriver {
  status(): string;
  close(): Promise<void>;
}

/** Polls one meter; `iface` names what it meters (the interface, or the file). */
export class TapFeed implements WatchFeed {
  private sequence = 0;

  constructor(
    private readonly iface: string,
    private readonly meter: MeterTap,
    private readonly driver: MeterDriver,
  ) {}

  get source(): string {
    return this.iface;
  }

  status(): string {
    return this.driver.status();
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  /** What changed since the last poll, or undefined before the meter's first packet. */
  poll(): FeedUpdate | undefined {
    const finished = this.meter.take();
    const snapshot = this.meter.snapshot(this.sequence);
    this.sequence = snapshot.sequence;
    if (snapshot.clockMs < 0) return undefined;
    const samples: FlowSample[] = [];
    if (finished !== undefined)
      for (const flow of readFlows(finished)) samples.push(sampleOf(flow, this.iface, false));
    if (snapshot.records !== undefined)
      for (const flow of readFlows(snapshot.records)) samples.push(sampleOf(flow, this.iface, true));
    return { time: snapshot.clockMs, samples };
  }
}
