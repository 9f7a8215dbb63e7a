/**
 * GoFlow2's flow message (its `flowpb.FlowMessage`, github.com/netsampler/goflow2/v2 pb/flow.proto) as both of its
 * formats carry it, JSON and protobuf: numbers as protobuf has them, addresses as text. One instance per stream is
 * filled again for every message (`clear`), so reading a message allocates only its strings.
 */

/** `FlowMessage.FlowType`, by number. */
export const FLOW_TYPES = ['FLOWUNKNOWN', 'SFLOW_5', 'NETFLOW_V5', 'NETFLOW_V9', 'IPFIX'] as const;

export class GoflowMessage {
  /** Index into FLOW_TYPES. */
  type = 0;
  /** Nanoseconds since the epoch; 0 when the message has none. */
  timeReceivedNs = 0;
  sequenceNum = 0;
  samplingRate = 0;
  /** The exporter (NetFlow/IPFIX: the datagram's source address; sFlow: the agent address); '' when none. */
  samplerAddress = '';
  timeFlowStartNs = 0;
  timeFlowEndNs = 0;
  bytes = 0;
  packets = 0;
  srcAddr = '';
  dstAddr = '';
  etype = 0;
  proto = 0;
  srcPort = 0;
  dstPort = 0;
  inIf = 0;
  outIf = 0;
  /** `aa:bb:cc:dd:ee:ff`, as the NetFlow decoder writes MAC addresses; '' for none (GoFlow2's 0). */
  srcMac = '';
  dstMac = '';
  srcVlan = 0;
  dstVlan = 0;
  vlanId = 0;
  ipTos = 0;
  forwardingStatus = 0;
  ipTtl = 0;
  ipFlags = 0;
  tcpFlags = 0;
  icmpType = 0;
  icmpCode = 0;
  ipv6FlowLabel = 0;
  fragmentId = 0;
  fragmentOffset = 0;
  srcAs = 0;
  dstAs = 0;
  nextHop = '';
  nextHopAs = 0;
  /** Prefix lengths of the source and destination networks. */
  srcNet = 0;
  dstNet = 0;
  bgpNextHop = '';
  bgpCommunities: number[] = [];
  asPath: number[] = [];
  mplsLabel: number[] = [];
  observationDomainId = 0;
  observationPointId = 0;

  clear(): void {
    this.type = 0;
    this.timeReceivedNs = 0;
    this.sequenceNum = 0;
    this.samplingRate = 0;
    this.samplerAddress = '';
    this.timeFlowStartNs = 0;
    this.timeFlowEndNs = 0;
    this.bytes = 0;
    this.packets = 0;
    this.srcAddr = '';
    this.dstAddr = '';
    this.etype = 0;
    this.proto = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.inIf = 0;
    this.outIf = 0;
    this.srcMac = '';
    this.dstMac = '';
    this.srcVlan = 0;
    this.dstVlan = 0;
    this.vlanId = 0;
    this.ipTos = 0;
    this.forwardingStatus = 0;
    this.ipTtl = 0;
    this.ipFlags = 0;
    this.tcpFlags = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.ipv6FlowLabel = 0;
    this.fragmentId = 0;
    this.fragmentOffset = 0;
    this.srcAs = 0;
    this.dstAs = 0;
    this.nextHop = '';
    this.nextHopAs = 0;
    this.srcNet = 0;
    this.dstNet = 0;
    this.bgpNextHop = '';
    this.bgpCommunities.length = 0;
    this.asPath.length = 0;
    this.mplsLabel.length = 0;
    this.observationDomainId = 0;
    this.observationPointId = 0;
  }
}
