/**
 * The native flow meter (native/*.c, the `pcap_meter` addon built by `npm ci`): capture bytes in, flow records out.
 * The capture reader and the meter are apart in C (capture.c calls meter_frame per frame), so another packet
 * source can feed the same meter.
 */
import type { SelectRecords } from '../../src/packets/extract.js';
import type { PacketRecorder } from '../../src/packets/writer.js';
import { ICMP4_COUNTERPART, ICMP6_COUNTERPART } from '../../src/schema/community-id.js';
import { loadNativeAddon } from '../../src/util/native-addon.js';

export interface MeterOptions {
  /** Flows held at once; when full, the flow idle longest is written out early (counted as evicted). */
  maxFlows: number;
  /** A flow with no packet for this long is written out. */
  idleTimeoutMs: number;
  /** A flow older than this is written out and counted on in a new record (NetFlow's active timeout). */
  activeTimeoutMs: number;
}

export const METER_DEFAULTS: MeterOptions = {
  maxFlows: 262_144,
  idleTimeoutMs: 60_000,
  activeTimeoutMs: 1_800_000,
};

/** What the meter and its capture reader counted. */
export interface MeterStats {
  /** `pcap` or `pcapng`, once the header was read. */
  format: string;
  frames: number;
  /** pcapng records that could not be read (packets of an interface never described). */
  skippedRecords: number;
  ipPackets: number;
  /** Frames without IP (ARP, LLDP…) or of a link type the meter does not read. */
  notIp: number;
  /** IP packets whose headers the capture cut or that are damaged. */
  broken: number;
  fragments: number;
  flows: number;
  /** Flows written out early because the table was full. */
  evicted: number;
  /** Flows in the table now. */
  active: number;
  /** Why reading stopped, or why the capture is incomplete; empty when neither. */
  error: string;
  errorOffset: number;
  /** 1 when memory for written-out flows ran out (flows were then lost). */
  outputFailed: number;
  /** The newest packet's time (epoch ms), the capture's clock; -1e300 before the first packet. */
  clockMs: number;
}

/** The flows still in the meter's table that counted a packet since an earlier snapshot. */
export interface MeterSnapshot {
  /** Their records (flow-records.ts reads them; end reason `open`), newest first; undefined when none. */
  records?: Buffer;
  /** IP packets counted so far: hand it to the next snapshot to get only the flows that changed since. */
  sequence: number;
  clockMs: number;
}

export interface CaptureMeter {
  /** Meters the frames these bytes complete; false once the capture's framing is lost (see stats().error). */
  push(chunk: Buffer): boolean;
  /** A live capture's wall clock (epoch ms): flows idle since are written out even when no packet comes. */
  tick(nowMs: number): void;
  /** Writes out every flow; false when the capture ended inside a record (it was cut short). */
  end(): boolean;
  /** The flow records written out since the last take (flow-records.ts reads them), or undefined. */
  take(): Buffer | undefined;
  stats(): MeterStats;
  /** The open flows that counted a packet after `since` (a sequence an earlier snapshot returned; 0: all). */
  snapshot(since: number): MeterSnapshot;
}

/** A meter whose frames also go to the packet store: as pcap records, with their file's session index. */
export interface RecordingMeter extends CaptureMeter, PacketRecorder {}

type Addon = {
  CaptureMeter: new (
    options: MeterOptions & {
      icmp4Counterparts: Int32Array;
      icmp6Counterparts: Int32Array;
      recordSessions?: number;
    },
  ) => RecordingMeter;
  selectRecords: SelectRecords;
};

let loaded: Addon | { unavailable: string } | undefined;

function addon(): Addon | { unavailable: string } {
  loaded ??= loadNativeAddon<Addon>('pcap_meter');
  return loaded;
}

/** Why captures cannot be metered here, or undefined when they can. */
export function meterUnavailable(): string | undefined {
  const found = addon();
  return 'unavailable' in found ? found.unavailable : undefined;
}

function pairs(map: ReadonlyMap<number, number>): Int32Array {
  return Int32Array.from([...map].flat());
}

function loadedAddon(): Addon {
  const found = addon();
  if ('unavailable' in found) throw new Error(`the native flow meter is not available: ${found.unavailable}`);
  return found;
}

/** A meter for one capture stream; throws when the addon is not built (see meterUnavailable). */
export function createCaptureMeter(options: MeterOptions = METER_DEFAULTS): CaptureMeter {
  return new (loadedAddon().CaptureMeter)({
    ...options,
    icmp4Counterparts: pairs(ICMP4_COUNTERPART),
    icmp6Counterparts: pairs(ICMP6_COUNTERPART),
  });
}

/** A meter that also records its frames for the packet store, indexing up to `sessionsPerFile` sessions a file. */
export function createRecordingMeter(options: MeterOptions, sessionsPerFile: number): RecordingMeter {
  return new (loadedAddon().CaptureMeter)({
    ...options,
    icmp4Counterparts: pairs(ICMP4_COUNTERPART),
    icmp6Counterparts: pairs(ICMP6_COUNTERPART),
    recordSessions: sessionsPerFile,
  });
}

/** The native reader of ring files (one session's records out of them); throws when the addon is not built. */
export const selectRecords: SelectRecords = (records, linktype, selector) =>
  loadedAddon().selectRecords(records, linktype, selector);
