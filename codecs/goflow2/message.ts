/**
 * GoFlow2's flow message (its `flowpb.FlowMessage`, github.com/netsampler/goflow2/v2 pb/flow.proto) as both of its
 * formats carry it, JSON and protobuf: numbers as protobuf has them, addresses as text. One instance per stream is
 * filled again for every message (`clear`), so reading a message allocates only its strings.
 */

/** `FlowMessage.FlowType`, by number. */
export const FLOW_TYPES = ['FLOWUNKNOWN', 'SFLOW_5', 'NETFLOW_V5', 'NETFLOW_V9', 'IPFIX'] as const;

export class GoflowMessage {
  // Declared without a value: clear() gives each field its first one, so "absent" is spelled once per field.
  /** Index into FLOW_TYPES. */
  declare type: number;
  /** Nanoseconds since the epoch; 0 when the message has none. */
  declare timeReceivedNs: number;
  declare sequenceNum: number;
  declare samplingRate: number;
  /** The exporter (NetFlow/IPFIX: the datagram's source address; sFlow: the agent address); '' when none. */
  declare samplerAddress: string;
  declare timeFlowStartNs: number;
  declare timeFlowEndNs: number;
  declare bytes: number;
  declare packets: number;
  declare srcAddr: string;
  declare dstAddr: string;
  declare etype: number;
  declare proto: number;
  declare srcPort: number;
  declare dstPort: number;
  declare inIf: number;
  declare outIf: number;
  /** `aa:bb:cc:dd:ee:ff`, as the NetFlow decoder writes MAC addresses; '' for none (GoFlow2's 0). */
  declare srcMac: string;
  declare dstMac: string;
  declare srcVlan: number;
  declare dstVlan: number;
  declare vlanId: number;
  declare ipTos: number;
  declare forwardingStatus: number;
  declare ipTtl: number;
  declare ipFlags: number;
  declare tcpFlags: number;
  declare icmpType: number;
  declare icmpCode: number;
  declare ipv6FlowLabel: number;
  declare fragmentId: number;
  declare fragmentOffset: number;
  declare srcAs: number;
  declare dstAs: number;
  declare nextHop: string;
  declare nextHopAs: number;
  /** Prefix lengths of the source and destination networks. */
  declare srcNet: number;
  declare dstNet: number;
  declare bgpNextHop: string;
  readonly bgpCommunities: number[] = [];
  readonly asPath: number[] = [];
  readonly mplsLabel: number[] = [];
  declare observationDomainId: number;
  declare observationPointId: number;

  constructor() {
    this.clear();
  }

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
