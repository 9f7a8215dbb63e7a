/**
 * The flows `watch` shows, kept from the samples its feed hands over: a tap's open flows as they grow and its
 * finished ones, or a collector's flow documents. A sample carries its record's counts so far; the table turns
 * them into what each conversation added since the last update (its rate) and into totals that outlive the
 * records (an active timeout's next record, a NetFlow record per direction).
 */

/** Size bins of the tap's packet-size histogram (IP length), in the meter's order. */
export const SIZE_BIN_LABELS = [
  '<=64',
  '65-127',
  '128-255',
  '256-511',
  '512-1023',
  '1024-1518',
  '>1518',
] as const;

/** One flow record as a feed hands it over: counts from the record's start until now (open) or its end. */
export interface FlowSample {
  /** The interface (tap) or observer (collector) it was seen on. */
  iface: string;
  protocol: number;
  sourceIp: string;
  destinationIp: string;
  sourcePort?: number;
  destinationPort?: number;
  vlan?: number;
  /** First and last packet, epoch ms. */
  start: number;
  end: number;
  packets: number;
  bytes: number;
  reversePackets: number;
  reverseBytes: number;
  /** TCP flags the source sent, and those the destination sent (a collector's record may only have the union). */
  sourceFlags: number;
  destinationFlags: number;
  /** sourceFlags holds the flags of both sides together (a flow document's `flowtrail.tcp_flags`). */
  combinedFlags?: boolean;
  /** Zeek's conn_state, where the source knows it. */
  state?: string;
  history?: string;
  sourceMac?: string;
  destinationMac?: string;
  /** Packets per SIZE_BIN_LABELS bin, where the source counts them. */
  sizes?: readonly number[];
  /** Still in the meter's table: more packets may come for this record. */
  open: boolean;
}

/** What a feed hands over at once. */
export interface FeedUpdate {
  /** The feed's clock (epoch ms): a capture's packet time, or the wall clock for a collector. */
  time: number;
  samples: readonly FlowSample[];
}

interface Counts {
  packets: number;
  bytes: number;
  reversePackets: number;
  reverseBytes: number;
}

/** One conversation (protocol, both endpoints, VLAN) as shown: the source is the first record's source. */
export interface FlowEntry extends Counts {
  key: string;
  iface: string;
  protocol: number;
  sourceIp: string;
  destinationIp: string;
  sourcePort?: number;
  destinationPort?: number;
  vlan?: number;
  sourceMac?: string;
  destinationMac?: string;
  start: number;
  last: number;
  sourceFlags: number;
  destinationFlags: number;
  /** The flags are both sides' together, in sourceFlags. */
  combinedFlags: boolean;
  state?: string;
  history?: string;
  sizes: number[];
  open: boolean;
  /** What the last update added, and per second of feed time. */
  recentPackets: number;
  recentBytes: number;
  packetRate: number;
  byteRate: number;
  /** The record the last sample belonged to (its start), with its counts then, oriented like the entry. */
  recordStart: number;
  recorded: Counts;
  recordedSizes: readonly number[];
}

function endpoint(ip: string, port: number | undefined): string {
  return port === undefined ? ip : `${ip}|${port}`;
}

/** The conversation's key: the same for both directions. */
function keyOf(s: FlowSample): string {
  const a = endpoint(s.sourceIp, s.sourcePort);
  const b = endpoint(s.destinationIp, s.destinationPort);
  return a < b ? `${s.protocol} ${a} ${b} ${s.vlan ?? ''}` : `${s.protocol} ${b} ${a} ${s.vlan ?? ''}`;
}

/** The sample's counts as the entry orients them. */
function oriented(s: FlowSample, flip: boolean): Counts {
  return flip
    ? { packets: s.reversePackets, bytes: s.reverseBytes, reversePackets: s.packets, reverseBytes: s.bytes }
    : { packets: s.packets, bytes: s.bytes, reversePackets: s.reversePackets, reverseBytes: s.reverseBytes };
}

const NO_COUNTS: Counts = { packets: 0, bytes: 0, reversePackets: 0, reverseBytes: 0 };

export interface FlowTableOptions {
  /** Finished conversations kept at most; beyond, those whose last packet is oldest are dropped first. */
  keepClosed: number;
}

/** The conversations seen, their totals and their rates over the last update. */
export class FlowTable {
  private readonly entries = new Map<string, FlowEntry>();
  /** Entries the last update changed: their rates fall to zero at the next one unless it changes them again. */
  private changed: FlowEntry[] = [];
  private clock: number | undefined;
  private closedCount = 0;
  /** Counted conversations dropped to keep the table bounded. */
  dropped = 0;

  constructor(private readonly options: FlowTableOptions) {}

  /** The feed's clock at the last update (epoch ms), undefined before the first. */
  get time(): number | undefined {
    return this.clock;
  }

  get size(): number {
    return this.entries.size;
  }

  all(): IterableIterator<FlowEntry> {
    return this.entries.values();
  }

  apply(update: FeedUpdate): void {
    const seconds = this.clock === undefined ? 0 : Math.max(0, update.time - this.clock) / 1000;
    this.clock = this.clock === undefined ? update.time : Math.max(this.clock, update.time);
    for (const entry of this.changed) {
      entry.recentPackets = 0;
      entry.recentBytes = 0;
    }
    const previous = this.changed;
    this.changed = [];
    // Finished records first: a conversation whose record ended and whose next one is open gets both, in order.
    for (const sample of update.samples) if (!sample.open) this.add(sample);
    for (const sample of update.samples) if (sample.open) this.add(sample);
    for (const entry of previous) if (entry.recentPackets === 0) this.setRates(entry, seconds);
    for (const entry of this.changed) this.setRates(entry, seconds);
    this.trim();
  }

  private setRates(entry: FlowEntry, seconds: number): void {
    entry.packetRate = seconds > 0 ? entry.recentPackets / seconds : 0;
    entry.byteRate = seconds > 0 ? entry.recentBytes / seconds : 0;
  }

  private add(sample: FlowSample): void {
    const key = keyOf(sample);
    let found = this.entries.get(key);
    if (found === undefined) {
      found = this.create(key, sample);
      this.entries.set(key, found);
    } else if (!found.open) {
      this.closedCount--;
    }
    const entry = found;
    // A record of the other direction (NetFlow's), or a tap record whose originator turned out the other end.
    const flip = entry.sourceIp !== sample.sourceIp || entry.sourcePort !== sample.sourcePort;
    const counts = oriented(sample, flip);
    const sameRecord = sample.start === entry.recordStart;
    const before = sameRecord ? entry.recorded : NO_COUNTS;
    const beforeSizes = sameRecord ? entry.recordedSizes : [];
    const packets = Math.max(0, counts.packets - before.packets);
    const reversePackets = Math.max(0, counts.reversePackets - before.reversePackets);
    entry.packets += packets;
    entry.reversePackets += reversePackets;
    const bytes = Math.max(0, counts.bytes - before.bytes);
    const reverseBytes = Math.max(0, counts.reverseBytes - before.reverseBytes);
    entry.bytes += bytes;
    entry.reverseBytes += reverseBytes;
    sample.sizes?.forEach((n, i) => {
      entry.sizes[i] += Math.max(0, n - (beforeSizes[i] ?? 0));
    });
    if (entry.recentPackets === 0 && packets + reversePackets > 0) this.changed.push(entry);
    entry.recentPackets += packets + reversePackets;
    entry.recentBytes += bytes + reverseBytes;
    // A finished record's next one starts afresh; an open one is remembered so that its growth is counted once.
    entry.recordStart = sample.open ? sample.start : Number.NaN;
    entry.recorded = counts;
    entry.recordedSizes = sample.sizes ?? [];
    entry.start = Math.min(entry.start, sample.start);
    entry.last = Math.max(entry.last, sample.end);
    const together = sample.combinedFlags === true;
    entry.combinedFlags ||= together;
    const sourceFlags = flip && !together ? sample.destinationFlags : sample.sourceFlags;
    const destinationFlags = flip && !together ? sample.sourceFlags : sample.destinationFlags;
    entry.sourceFlags |= sourceFlags;
    entry.destinationFlags |= destinationFlags;
    if (sample.state !== undefined) entry.state = sample.state;
    if (sample.history !== undefined) entry.history = sample.history;
    entry.sourceMac ??= flip ? sample.destinationMac : sample.sourceMac;
    entry.destinationMac ??= flip ? sample.sourceMac : sample.destinationMac;
    entry.open = sample.open;
    if (!entry.open) this.closedCount++;
  }

  private create(key: string, sample: FlowSample): FlowEntry {
    return {
      key,
      iface: sample.iface,
      protocol: sample.protocol,
      sourceIp: sample.sourceIp,
      destinationIp: sample.destinationIp,
      sourcePort: sample.sourcePort,
      destinationPort: sample.destinationPort,
      vlan: sample.vlan,
      start: sample.start,
      last: sample.end,
      ...NO_COUNTS,
      sourceFlags: 0,
      destinationFlags: 0,
      combinedFlags: false,
      sizes: SIZE_BIN_LABELS.map(() => 0),
      open: true,
      recentPackets: 0,
      recentBytes: 0,
      packetRate: 0,
      byteRate: 0,
      recordStart: Number.NaN,
      recorded: NO_COUNTS,
      recordedSizes: [],
    };
  }

  /**
   * Past `keepClosed` finished conversations, drops those idle longest, a tenth more than the excess so that a
   * steady stream sorts the table seldom.
   */
  private trim(): void {
    const excess = this.closedCount - this.options.keepClosed;
    if (excess <= 0) return;
    const closed = [...this.entries.values()].filter((e) => !e.open).sort((a, b) => a.last - b.last);
    for (const entry of closed.slice(0, excess + Math.floor(this.options.keepClosed / 10))) {
      this.entries.delete(entry.key);
      this.closedCount--;
      this.dropped++;
    }
  }
}
