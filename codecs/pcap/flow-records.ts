/**
 * The flow records the native meter writes out (codecs/pcap/native/meter.h: RECORD_SIZE and the R_* offsets),
 * read into the flow facts every flow source fills, so a tap flow lands in the same fields as a NetFlow or Zeek one.
 */
import ipaddr from 'ipaddr.js';
import { CONN_STATE_MESSAGES } from '../../src/schema/conn-state.js';
import { TAP_PACKET_SIZE_BINS } from '../../src/schema/fields.js';
import type { FlowFacts } from '../../src/schema/flow.js';
import { jsonString, RawJson } from '../../src/schema/json.js';

export const RECORD_SIZE = 176;
const R = {
  first: 0,
  last: 8,
  origPackets: 16,
  respPackets: 24,
  origBytes: 32,
  respBytes: 40,
  origAddress: 48,
  respAddress: 64,
  origPort: 80,
  respPort: 82,
  origFlags: 84,
  respFlags: 86,
  vlan: 88,
  innerVlan: 90,
  family: 92,
  protocol: 93,
  state: 94,
  end: 95,
  origMac: 96,
  respMac: 102,
  macs: 108,
  origTtl: 109,
  respTtl: 110,
  historyLength: 111,
  history: 112,
  fragments: 136,
  sizes: 140,
  initiator: 168,
} as const;

const NO_VLAN = 0xffff;

/** Zeek's conn_state codes, in the order of `enum conn_state` in meter.h. */
export const CONN_STATES = [
  'S0',
  'S1',
  'SF',
  'REJ',
  'S2',
  'S3',
  'RSTO',
  'RSTR',
  'RSTOS0',
  'RSTRH',
  'SH',
  'SHR',
  'OTH',
] as const;

/** Why the meter wrote a flow out, in the order of `enum end_reason` in meter.h; `open`: a snapshot's flow. */
export const END_REASONS = ['idle', 'active', 'evicted', 'end', 'reused', 'open'] as const;

/** `pcap.packet_sizes`'s members, in the order of meter.c's size_bin. */
export const SIZE_BINS = TAP_PACKET_SIZE_BINS;

/** Protocols whose ports (ICMP: type and code) the meter keys flows by and reports. */
const PORTED = new Set([1, 6, 17, 58, 132, 136]);

/** One metered flow, as read from its record: what the conformance tests and the document both use. */
export interface MeteredFlow {
  start: number;
  end: number;
  protocol: number;
  sourceIp: string;
  destinationIp: string;
  sourcePort: number | undefined;
  destinationPort: number | undefined;
  packets: number;
  bytes: number;
  reversePackets: number;
  reverseBytes: number;
  sourceFlags: number;
  destinationFlags: number;
  vlan: number | undefined;
  innerVlan: number | undefined;
  state: (typeof CONN_STATES)[number];
  history: string;
  endReason: (typeof END_REASONS)[number];
  sourceMac: string | undefined;
  destinationMac: string | undefined;
  sourceTtl: number;
  destinationTtl: number;
  fragments: number;
  sizes: number[];
  initiatorKnown: boolean;
}

function address(records: Buffer, at: number, family: number): string {
  if (family === 4) return `${records[at]}.${records[at + 1]}.${records[at + 2]}.${records[at + 3]}`;
  return (ipaddr.fromByteArray([...records.subarray(at, at + 16)]) as ipaddr.IPv6).toRFC5952String();
}

/** ECS's spelling: upper case, dash separated. */
function mac(records: Buffer, at: number): string {
  let text = '';
  for (let i = 0; i < 6; i++) {
    const byte = records[at + i];
    text += (i === 0 ? '' : '-') + (byte < 16 ? '0' : '') + byte.toString(16).toUpperCase();
  }
  return text;
}

/** The flows of one `take()` batch. */
export function readFlows(records: Buffer): MeteredFlow[] {
  const flows: MeteredFlow[] = [];
  for (let at = 0; at + RECORD_SIZE <= records.length; at += RECORD_SIZE) {
    const family = records[at + R.family];
    const protocol = records[at + R.protocol];
    const ported = PORTED.has(protocol);
    const vlan = records.readUInt16LE(at + R.vlan);
    const innerVlan = records.readUInt16LE(at + R.innerVlan);
    const macs = records[at + R.macs];
    const sizes: number[] = [];
    for (let i = 0; i < SIZE_BINS.length; i++) sizes.push(records.readUInt32LE(at + R.sizes + 4 * i));
    flows.push({
      start: records.readDoubleLE(at + R.first),
      end: records.readDoubleLE(at + R.last),
      protocol,
      sourceIp: address(records, at + R.origAddress, family),
      destinationIp: address(records, at + R.respAddress, family),
      sourcePort: ported ? records.readUInt16LE(at + R.origPort) : undefined,
      destinationPort: ported ? records.readUInt16LE(at + R.respPort) : undefined,
      packets: records.readDoubleLE(at + R.origPackets),
      bytes: records.readDoubleLE(at + R.origBytes),
      reversePackets: records.readDoubleLE(at + R.respPackets),
      reverseBytes: records.readDoubleLE(at + R.respBytes),
      sourceFlags: records.readUInt16LE(at + R.origFlags),
      destinationFlags: records.readUInt16LE(at + R.respFlags),
      vlan: vlan === NO_VLAN ? undefined : vlan,
      innerVlan: innerVlan === NO_VLAN ? undefined : innerVlan,
      state: CONN_STATES[records[at + R.state]] ?? 'OTH',
      history: records.toString('latin1', at + R.history, at + R.history + records[at + R.historyLength]),
      endReason: END_REASONS[records[at + R.end]] ?? 'end',
      sourceMac: macs & 1 ? mac(records, at + R.origMac) : undefined,
      destinationMac: macs & 2 ? mac(records, at + R.respMac) : undefined,
      sourceTtl: records[at + R.origTtl],
      destinationTtl: records[at + R.respTtl],
      fragments: records.readUInt32LE(at + R.fragments),
      sizes,
      initiatorKnown: records[at + R.initiator] === 1,
    });
  }
  return flows;
}

export const TAP_MODULE = 'pcap';
export const TAP_ACTION = 'pcap_flow';
/** `observer.type` of flows a tap metered. */
export const TAP_OBSERVER_TYPE = 'tap';

/** What the tap's flows say about where they were metered. */
export interface TapIdentity {
  /** `observer.name`: the sensor's name. */
  name: string;
  /** `observer.hostname`, when known. */
  hostname?: string;
  /** `observer.ingress.interface`: the interface a live capture listens on (its ifIndex as the id). */
  interface?: { id: string; name: string };
}

/**
 * The `zeek.connection` members a Zeek conn record has for the same facts (state, its message, history), so that a
 * search for a conn_state finds tap flows and Zeek's alike.
 */
function connection(flow: MeteredFlow): RawJson {
  let members = `"state":${jsonString(flow.state)}`;
  const message = CONN_STATE_MESSAGES[flow.state];
  if (message !== undefined) members += `,"state_message":${jsonString(message)}`;
  if (flow.history !== '') members += `,"history":${jsonString(flow.history)}`;
  return new RawJson(`{"connection":{${members}}}`);
}

function tapMembers(flow: MeteredFlow): Record<string, unknown> {
  const sizes: Record<string, number> = {};
  SIZE_BINS.forEach((bin, i) => {
    if (flow.sizes[i] > 0) sizes[bin] = flow.sizes[i];
  });
  const tap: Record<string, unknown> = {
    end_reason: flow.endReason,
    source_ttl: flow.sourceTtl,
    packet_sizes: sizes,
  };
  if (flow.reversePackets > 0) tap.destination_ttl = flow.destinationTtl;
  if (flow.fragments > 0) tap.fragments = flow.fragments;
  if (flow.innerVlan !== undefined) tap.inner_vlan = String(flow.innerVlan);
  return tap;
}

/**
 * A metered flow's facts. The source is the originator (the SYN's sender; otherwise the first packet's);
 * bytes are IP bytes (header and payload, as the IP header states the length), as NetFlow and Zeek's
 * `orig_ip_bytes` count them.
 */
export function tapFlowFacts(flow: MeteredFlow, tap: TapIdentity): FlowFacts {
  const tcp = flow.protocol === 6;
  return {
    module: TAP_MODULE,
    action: TAP_ACTION,
    protocol: flow.protocol,
    sourceIp: flow.sourceIp,
    destinationIp: flow.destinationIp,
    sourcePort: flow.sourcePort,
    destinationPort: flow.destinationPort,
    sourceMac: flow.sourceMac,
    destinationMac: flow.destinationMac,
    bytes: flow.bytes,
    packets: flow.packets,
    reverseBytes: flow.reverseBytes,
    reversePackets: flow.reversePackets,
    start: flow.start,
    end: flow.end,
    tcpFlags: tcp ? flow.sourceFlags | flow.destinationFlags : undefined,
    sourceIsInitiator: flow.initiatorKnown ? true : undefined,
    vlanId: flow.vlan,
    observer: {
      type: TAP_OBSERVER_TYPE,
      name: tap.name,
      ...(tap.hostname === undefined ? {} : { hostname: tap.hostname }),
      ...(tap.interface === undefined ? {} : { ingress: { interface: tap.interface } }),
    },
    observerId: `${TAP_OBSERVER_TYPE}:${tap.name}`,
    extra: { zeek: connection(flow), [TAP_MODULE]: tapMembers(flow) },
    identity: `${TAP_OBSERVER_TYPE}:${tap.name}`,
  };
}
