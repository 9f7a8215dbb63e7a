/**
 * Which end of a flow record opened the conversation it belongs to: ECS's client (the initiator) and server.
 * Zeek, Suricata and IPFIX biflows say so; for a one-way NetFlow record it is read off the record, in this order:
 * TCP flags (a SYN without an ACK is a connection being opened by its sender), ICMP types (a reply or an error
 * answers a packet its destination sent), then ports (a service listens on a well-known or registered port, a
 * client sends from an ephemeral one). Reports, correlation and detections count a host's probes, the ports it
 * serves and the ports it uses by these roles, so that the replies a host sends are not taken for its own probes.
 */
export type Initiator = 'source' | 'destination';

/** What the roles are read from: the flow facts that bear on them. */
export interface RoleFacts {
  protocol: number;
  sourcePort?: number;
  destinationPort?: number;
  /** TCP control bits OR-ed over the record. */
  tcpFlags?: number;
  /** Set when the source itself says it opened the connection. */
  sourceIsInitiator?: boolean;
}

const TCP = 6;
const UDP = 17;
const SCTP = 132;
const ICMP = 1;
const ICMPV6 = 58;
const SYN = 0x02;
const ACK = 0x10;

/**
 * ICMP types that answer a packet from the record's destination: echo, timestamp, information and mask replies,
 * and the errors (unreachable, source quench, redirect, time exceeded, parameter problem).
 */
const ICMP_ANSWERS = new Set([0, 3, 4, 5, 11, 12, 14, 16, 18]);
/** ICMPv6: the errors (unreachable, too big, time exceeded, parameter problem) and echo reply. */
const ICMPV6_ANSWERS = new Set([1, 2, 3, 4, 129]);

/** Ports by how likely a service listens there: well-known, registered, then the ephemeral range clients use. */
function portRank(port: number): number {
  if (port < 1024) return 0;
  return port < 32768 ? 1 : 2;
}

/** The end whose port is the service's: the better-known port, or the lower one of two alike. */
function serviceByPorts(sourcePort: number, destinationPort: number): Initiator {
  const source = portRank(sourcePort);
  const destination = portRank(destinationPort);
  if (source !== destination) return source < destination ? 'source' : 'destination';
  return sourcePort < destinationPort ? 'source' : 'destination';
}

export function initiatorOf(f: RoleFacts): Initiator {
  if (f.sourceIsInitiator) return 'source';
  if (f.protocol === ICMP || f.protocol === ICMPV6) {
    // The facts carry ICMP's type as the source "port".
    const answers = f.protocol === ICMP ? ICMP_ANSWERS : ICMPV6_ANSWERS;
    return f.sourcePort !== undefined && answers.has(f.sourcePort) ? 'destination' : 'source';
  }
  if (f.protocol === TCP && f.tcpFlags !== undefined && (f.tcpFlags & SYN) !== 0 && (f.tcpFlags & ACK) === 0)
    return 'source';
  const ported = f.protocol === TCP || f.protocol === UDP || f.protocol === SCTP;
  if (!ported || f.sourcePort === undefined || f.destinationPort === undefined) return 'source';
  return serviceByPorts(f.sourcePort, f.destinationPort) === 'source' ? 'destination' : 'source';
}
