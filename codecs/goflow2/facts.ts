/**
 * A GoFlow2 flow message as flow facts, by the rules the NetFlow decoder (plugins/netflow/producer.ts) applies to
 * the same NetFlow/IPFIX fields, so that a flow GoFlow2 relayed lands in the fields flowtrail's own collector fills:
 * counters scaled by the sampling rate, ICMP type and code in the ports, TCP flags on TCP flows only, interface 0
 * and VLAN 0 taken as none. What ECS has no field for goes to the `goflow2` namespace.
 */
import { ParseError } from '../../src/errors.js';
import { type FlowFacts, isFlowTime } from '../../src/schema/flow.js';
import { FLOW_TYPES, type GoflowMessage } from './message.js';

const ICMP = 1;
const ICMPV6 = 58;
const TCP = 6;
const SFLOW_5 = 1;
const NETFLOW_V5 = 2;

/** Nanoseconds as epoch milliseconds, kept to the microsecond (both formats give the same number so). */
function milliseconds(ns: number): number {
  return Math.round(ns / 1000) / 1000;
}

/** The `goflow2` namespace: the message's own fields that no ECS field holds, those it has (GoFlow2's 0: none). */
function namespace(m: GoflowMessage, rate: number): Record<string, unknown> {
  const ns: Record<string, unknown> = { type: FLOW_TYPES[m.type] ?? String(m.type) };
  if (m.sequenceNum !== 0) ns.sequence_num = m.sequenceNum;
  if (rate !== 1) ns.sampling_rate = rate;
  if (m.timeReceivedNs !== 0) {
    const received = milliseconds(m.timeReceivedNs);
    if (isFlowTime(received)) ns.time_received = new Date(received).toISOString();
  }
  if (m.observationDomainId !== 0) ns.observation_domain_id = m.observationDomainId;
  if (m.observationPointId !== 0) ns.observation_point_id = m.observationPointId;
  if (m.etype !== 0) ns.etype = m.etype;
  if (m.srcAs !== 0) ns.src_as = m.srcAs;
  if (m.dstAs !== 0) ns.dst_as = m.dstAs;
  if (m.srcNet !== 0) ns.src_net = m.srcNet;
  if (m.dstNet !== 0) ns.dst_net = m.dstNet;
  if (m.nextHop !== '') ns.next_hop = m.nextHop;
  if (m.nextHopAs !== 0) ns.next_hop_as = m.nextHopAs;
  if (m.bgpNextHop !== '') ns.bgp_next_hop = m.bgpNextHop;
  if (m.bgpCommunities.length > 0) ns.bgp_communities = [...m.bgpCommunities];
  if (m.asPath.length > 0) ns.as_path = [...m.asPath];
  if (m.mplsLabel.length > 0) ns.mpls_label = [...m.mplsLabel];
  if (m.srcVlan !== 0) ns.src_vlan = m.srcVlan;
  if (m.dstVlan !== 0) ns.dst_vlan = m.dstVlan;
  if (m.ipTos !== 0) ns.ip_tos = m.ipTos;
  if (m.ipTtl !== 0) ns.ip_ttl = m.ipTtl;
  if (m.ipFlags !== 0) ns.ip_flags = m.ipFlags;
  if (m.forwardingStatus !== 0) ns.forwarding_status = m.forwardingStatus;
  if (m.ipv6FlowLabel !== 0) ns.ipv6_flow_label = m.ipv6FlowLabel;
  if (m.fragmentId !== 0) ns.fragment_id = m.fragmentId;
  if (m.fragmentOffset !== 0) ns.fragment_offset = m.fragmentOffset;
  return ns;
}

/**
 * The message's flow facts; `identity` names the message where it was read (topic, partition, offset), so the
 * same message read again gets the same document id. Throws ParseError for a message that is no IP flow or whose
 * times no document can hold.
 */
export function goflowFacts(m: GoflowMessage, identity: string): FlowFacts {
  if (m.srcAddr === '' || m.dstAddr === '')
    throw new ParseError(
      'goflow2: flow message without source and destination IP addresses (not an IP flow)',
    );
  const start = m.timeFlowStartNs === 0 ? undefined : milliseconds(m.timeFlowStartNs);
  let end = m.timeFlowEndNs === 0 ? undefined : milliseconds(m.timeFlowEndNs);
  // GoFlow2 dates a record without times by its export (NetFlow) or arrival (sFlow); one with neither by arrival.
  if (start === undefined && end === undefined && m.timeReceivedNs !== 0)
    end = milliseconds(m.timeReceivedNs);
  if ((start !== undefined && !isFlowTime(start)) || (end !== undefined && !isFlowTime(end)))
    throw new ParseError('goflow2: flow start or end out of the range a document can hold');
  const rate = m.samplingRate > 1 ? m.samplingRate : 1;
  const protocol = m.proto;
  const facts: FlowFacts = {
    module: 'goflow2',
    action: m.type === SFLOW_5 ? 'sflow_flow' : 'netflow_flow',
    protocol,
    sourceIp: m.srcAddr,
    destinationIp: m.dstAddr,
    identity,
  };
  // NetFlow and IPFIX are what Elastic's netflow input would have read; it has none for sFlow.
  if (m.type >= NETFLOW_V5) facts.input = 'netflow';
  if (protocol === ICMP || protocol === ICMPV6) {
    // The dedicated elements when the exporter sent them, else the type and code packed into the port.
    if (m.icmpType !== 0 || m.icmpCode !== 0) {
      facts.sourcePort = m.icmpType;
      facts.destinationPort = m.icmpCode;
    } else {
      facts.sourcePort = m.dstPort >> 8;
      facts.destinationPort = m.dstPort & 0xff;
    }
  } else {
    facts.sourcePort = m.srcPort;
    facts.destinationPort = m.dstPort;
  }
  facts.bytes = m.bytes * rate;
  facts.packets = m.packets * rate;
  if (m.srcMac !== '') facts.sourceMac = m.srcMac;
  if (m.dstMac !== '') facts.destinationMac = m.dstMac;
  if (start !== undefined) facts.start = start;
  if (end !== undefined) facts.end = end;
  if (m.samplerAddress !== '') {
    facts.observer = { ip: m.samplerAddress };
    if (m.inIf !== 0) facts.observer.ingress = { interface: { id: String(m.inIf) } };
    if (m.outIf !== 0) facts.observer.egress = { interface: { id: String(m.outIf) } };
    facts.observerId = m.samplerAddress;
  }
  if (protocol === TCP) facts.tcpFlags = m.tcpFlags & 0x1ff;
  const vlan = m.vlanId || m.srcVlan;
  if (vlan) facts.vlanId = vlan;
  facts.extra = { goflow2: namespace(m, rate) };
  return facts;
}
