/**
 * GoFlow2's `-format=json`: one JSON object per message, its members named as the protobuf fields (`src_addr`,
 * `time_flow_start_ns`…), addresses and MACs as text, and `type`, `proto`, `etype`, `src_net` and `dst_net`
 * rendered as names. Numbers are taken as well where a GoFlow2 mapping configuration renders them as such.
 */
import { ParseError } from '../../src/errors.js';
import { formatIpv4, formatIpv6 } from '../../src/schema/address-text.js';
import { writeAddress } from '../../src/schema/ip.js';
import { FLOW_TYPES, type GoflowMessage } from './message.js';
import { etherTypeOfName, prefixLengthOf, protocolOfName } from './names.js';

type JsonObject = Record<string, unknown>;

function num(o: JsonObject, key: string): number {
  const v = o[key];
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  throw new ParseError(`goflow2: ${key} is not a non-negative number`);
}

const addressBytes = new Uint8Array(16);

/** The address in the text both formats give it (the NetFlow decoder's); '' for none. */
function address(o: JsonObject, key: string): string {
  const v = o[key];
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string') throw new ParseError(`goflow2: ${key} is not an address`);
  const length = writeAddress(v, addressBytes, 0);
  if (length === 4) return formatIpv4(addressBytes, 0);
  if (length === 16) return formatIpv6(addressBytes, 0);
  throw new ParseError(`goflow2: ${key} is not an address`);
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const NO_MAC = '00:00:00:00:00:00';

function mac(o: JsonObject, key: string): string {
  const v = o[key];
  if (v === undefined || v === null || v === '' || v === NO_MAC || v === 0) return '';
  if (typeof v === 'string') {
    const lower = v.toLowerCase();
    if (MAC.test(lower)) return lower;
  }
  throw new ParseError(`goflow2: ${key} is not a MAC address`);
}

function numbers(o: JsonObject, key: string, into: number[]): void {
  const v = o[key];
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) throw new ParseError(`goflow2: ${key} is not a list`);
  for (const item of v) {
    if (typeof item !== 'number' || !Number.isFinite(item))
      throw new ParseError(`goflow2: ${key} holds something other than numbers`);
    into.push(item);
  }
}

function flowType(o: JsonObject): number {
  const v = o.type;
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') {
    const index = (FLOW_TYPES as readonly string[]).indexOf(v);
    if (index >= 0) return index;
  } else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < FLOW_TYPES.length) {
    return v;
  }
  throw new ParseError('goflow2: type is not a FlowMessage type');
}

function protocol(o: JsonObject): number {
  const v = o.proto;
  if (typeof v === 'string') {
    const number = protocolOfName(v);
    if (number === undefined)
      throw new ParseError(
        `goflow2: proto "${v.slice(0, 40)}" names no protocol number (GoFlow2 renders 146-255 as a class; use -format=bin)`,
      );
    return number;
  }
  return num(o, 'proto');
}

function prefixLength(o: JsonObject, key: string): number {
  const v = o[key];
  return typeof v === 'string' ? prefixLengthOf(v) : num(o, key);
}

/** Fills `m` (cleared first) from one JSON message; throws ParseError on anything else. */
export function readJsonMessage(value: Buffer, m: GoflowMessage): void {
  m.clear();
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new ParseError(`goflow2: not JSON (${(err as Error).message.slice(0, 80)})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ParseError('goflow2: not a JSON object');
  const o = parsed as JsonObject;
  m.type = flowType(o);
  m.timeReceivedNs = num(o, 'time_received_ns');
  m.sequenceNum = num(o, 'sequence_num');
  m.samplingRate = num(o, 'sampling_rate');
  m.samplerAddress = address(o, 'sampler_address');
  m.timeFlowStartNs = num(o, 'time_flow_start_ns');
  m.timeFlowEndNs = num(o, 'time_flow_end_ns');
  m.bytes = num(o, 'bytes');
  m.packets = num(o, 'packets');
  m.srcAddr = address(o, 'src_addr');
  m.dstAddr = address(o, 'dst_addr');
  m.etype = typeof o.etype === 'string' ? etherTypeOfName(o.etype) : num(o, 'etype');
  m.proto = protocol(o);
  m.srcPort = num(o, 'src_port');
  m.dstPort = num(o, 'dst_port');
  m.inIf = num(o, 'in_if');
  m.outIf = num(o, 'out_if');
  m.srcMac = mac(o, 'src_mac');
  m.dstMac = mac(o, 'dst_mac');
  m.srcVlan = num(o, 'src_vlan');
  m.dstVlan = num(o, 'dst_vlan');
  m.vlanId = num(o, 'vlan_id');
  m.ipTos = num(o, 'ip_tos');
  m.forwardingStatus = num(o, 'forwarding_status');
  m.ipTtl = num(o, 'ip_ttl');
  m.ipFlags = num(o, 'ip_flags');
  m.tcpFlags = num(o, 'tcp_flags');
  m.icmpType = num(o, 'icmp_type');
  m.icmpCode = num(o, 'icmp_code');
  m.ipv6FlowLabel = num(o, 'ipv6_flow_label');
  m.fragmentId = num(o, 'fragment_id');
  m.fragmentOffset = num(o, 'fragment_offset');
  m.srcAs = num(o, 'src_as');
  m.dstAs = num(o, 'dst_as');
  m.nextHop = address(o, 'next_hop');
  m.nextHopAs = num(o, 'next_hop_as');
  m.srcNet = prefixLength(o, 'src_net');
  m.dstNet = prefixLength(o, 'dst_net');
  m.bgpNextHop = address(o, 'bgp_next_hop');
  numbers(o, 'bgp_communities', m.bgpCommunities);
  numbers(o, 'as_path', m.asPath);
  numbers(o, 'mpls_label', m.mplsLabel);
  m.observationDomainId = num(o, 'observation_domain_id');
  m.observationPointId = num(o, 'observation_point_id');
}
