/**
 * What GoFlow2's JSON format writes in place of numbers, back to the numbers: it renders `proto` by IANA protocol
 * keyword (with GoFlow2's own hyphenated spelling of the five "any …" entries), `etype` by name and `src_net` /
 * `dst_net` as a prefix.
 */

/** Protocol numbers 0 to 145 by the keyword GoFlow2 renders them with. */
const PROTOCOL_KEYWORDS = (
  'HOPOPT|ICMP|IGMP|GGP|IPv4|ST|TCP|CBT|EGP|IGP|BBN-RCC-MON|NVP-II|PUP|ARGUS|EMCON|XNET|CHAOS|UDP|MUX|DCN-MEAS|' +
  'HMP|PRM|XNS-IDP|TRUNK-1|TRUNK-2|LEAF-1|LEAF-2|RDP|IRTP|ISO-TP4|NETBLT|MFE-NSP|MERIT-INP|DCCP|3PC|IDPR|XTP|DDP|' +
  'IDPR-CMTP|TP++|IL|IPv6|SDRP|IPv6-Route|IPv6-Frag|IDRP|RSVP|GRE|DSR|BNA|ESP|AH|I-NLSP|SWIPE|NARP|Min-IPv4|TLSP|' +
  'SKIP|IPv6-ICMP|IPv6-NoNxt|IPv6-Opts|any-host-internal-protocol|CFTP|any-local-network|SAT-EXPAK|KRYPTOLAN|RVD|' +
  'IPPC|any-distributed-file-system|SAT-MON|VISA|IPCV|CPNX|CPHB|WSN|PVP|BR-SAT-MON|SUN-ND|WB-MON|WB-EXPAK|ISO-IP|' +
  'VMTP|SECURE-VMTP|VINES|IPTM|NSFNET-IGP|DGP|TCF|EIGRP|OSPFIGP|Sprite-RPC|LARP|MTP|AX.25|IPIP|MICP|SCC-SP|ETHERIP|' +
  'ENCAP|any-private-encryption-scheme|GMTP|IFMP|PNNI|PIM|ARIS|SCPS|QNX|A/N|IPComp|SNP|Compaq-Peer|IPX-in-IP|VRRP|' +
  'PGM|any-0-hop-protocol|L2TP|DDX|IATP|STP|SRP|UTI|SMP|SM|PTP|ISIS over IPv4|FIRE|CRTP|CRUDP|SSCOPMCE|IPLT|SPS|' +
  'PIPE|SCTP|FC|RSVP-E2E-IGNORE|Mobility Header|UDPLite|MPLS-in-IP|manet|HIP|Shim6|WESP|ROHC|Ethernet|AGGFRAG|NSH'
).split('|');

const PROTOCOL_NUMBERS = new Map(PROTOCOL_KEYWORDS.map((name, number) => [name, number]));

/** The keywords in number order, for tests. */
export function protocolKeywords(): readonly string[] {
  return PROTOCOL_KEYWORDS;
}

/**
 * The protocol number of a rendered `proto`, or undefined: GoFlow2 writes 146–255 as a class ("unassigned",
 * "experimental", "reserved"), which names no one number.
 */
export function protocolOfName(name: string): number | undefined {
  return PROTOCOL_NUMBERS.get(name);
}

const ETHER_TYPES = new Map([
  ['IPv4', 0x800],
  ['IPv6', 0x86dd],
  ['ARP', 0x806],
]);

/** The EtherType of a rendered `etype`; 0 for what GoFlow2 renders as "" (a type it has no name for). */
export function etherTypeOfName(name: string): number {
  return ETHER_TYPES.get(name) ?? 0;
}

/** The prefix length of a rendered `src_net` / `dst_net` (`10.1.0.0/16`); 0 when it holds none. */
export function prefixLengthOf(text: string): number {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return 0;
  const length = Number(text.slice(slash + 1));
  return Number.isInteger(length) && length >= 0 && length <= 128 ? length : 0;
}
