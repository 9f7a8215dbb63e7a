/** IANA protocol numbers to the lower-case names ECS uses in `network.transport`. */
const TRANSPORT_NAMES: Record<number, string> = {
  1: 'icmp',
  2: 'igmp',
  4: 'ipv4',
  6: 'tcp',
  17: 'udp',
  41: 'ipv6',
  46: 'rsvp',
  47: 'gre',
  50: 'esp',
  51: 'ah',
  58: 'ipv6-icmp',
  88: 'eigrp',
  89: 'ospf',
  103: 'pim',
  112: 'vrrp',
  115: 'l2tp',
  132: 'sctp',
};

const NUMBERS_BY_NAME = new Map<string, number>(
  Object.entries(TRANSPORT_NAMES).map(([number, name]) => [name, Number(number)]),
);
NUMBERS_BY_NAME.set('icmp6', 58);
NUMBERS_BY_NAME.set('icmpv6', 58);
NUMBERS_BY_NAME.set('ipv6_icmp', 58);

/** The names `protocolNumber` takes as they are written, with their numbers. */
export function listedProtocolNames(): Array<[string, number]> {
  return [...NUMBERS_BY_NAME];
}

export function transportName(protocol: number): string {
  return TRANSPORT_NAMES[protocol] ?? String(protocol);
}

/** Accepts `tcp`, `TCP`, `ipv6-icmp`, `6`…; returns undefined for names we do not know. */
export function protocolNumber(name: string): number | undefined {
  // Logs write the names as listed (`tcp`), which need no trimming or lower-casing.
  const listed = NUMBERS_BY_NAME.get(name);
  if (listed !== undefined) return listed;
  const lower = name.trim().toLowerCase();
  if (/^\d+$/.test(lower)) return Number(lower);
  return NUMBERS_BY_NAME.get(lower);
}

const TCP_FLAG_NAMES = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'NS'] as const;

/** TCP control bits (RFC 793/3540/3168 order, as in NetFlow's tcpControlBits) to their names. */
export function tcpFlagNames(bits: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < TCP_FLAG_NAMES.length; i++) {
    if (bits & (1 << i)) names.push(TCP_FLAG_NAMES[i]);
  }
  return names;
}
