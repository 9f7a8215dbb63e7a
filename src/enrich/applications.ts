import { jsonString } from '../schema/json.js';
import type { Additions, Enricher, EnrichSubject } from './types.js';

/** Services whose member text is kept: the table's, and the first of those the sources report. */
const MAX_WRITTEN = 4096;
const TCP = 6;
const UDP = 17;
const SCTP = 132;

/**
 * Well-known services by port as IANA's registry names them (`/etc/services`), for the transports they are used
 * on: `tcp/443`, `udp/53`; a port without a transport holds for TCP, UDP and SCTP.
 */
export const BUILTIN_SERVICES: Readonly<Record<string, string>> = {
  'tcp/20': 'ftp-data',
  'tcp/21': 'ftp',
  22: 'ssh',
  'tcp/23': 'telnet',
  'tcp/25': 'smtp',
  53: 'dns',
  'udp/67': 'dhcp',
  'udp/68': 'dhcp',
  'udp/69': 'tftp',
  'tcp/80': 'http',
  'udp/80': 'http3',
  88: 'kerberos',
  'tcp/110': 'pop3',
  'udp/123': 'ntp',
  'tcp/135': 'msrpc',
  'udp/137': 'netbios-ns',
  'udp/138': 'netbios-dgm',
  'tcp/139': 'netbios-ssn',
  'tcp/143': 'imap',
  'udp/161': 'snmp',
  'udp/162': 'snmptrap',
  'tcp/179': 'bgp',
  389: 'ldap',
  'tcp/443': 'https',
  'udp/443': 'quic',
  'tcp/445': 'smb',
  'udp/500': 'isakmp',
  'udp/514': 'syslog',
  'tcp/587': 'submission',
  'tcp/465': 'smtps',
  'tcp/636': 'ldaps',
  'tcp/853': 'dns-over-tls',
  'tcp/993': 'imaps',
  'tcp/995': 'pop3s',
  1194: 'openvpn',
  'tcp/1433': 'mssql',
  'tcp/1521': 'oracle',
  'tcp/1883': 'mqtt',
  'udp/1812': 'radius',
  'udp/1813': 'radius-acct',
  'udp/2055': 'netflow',
  'tcp/2049': 'nfs',
  'tcp/3306': 'mysql',
  'tcp/3389': 'rdp',
  'udp/3478': 'stun',
  'udp/4500': 'ipsec-nat-t',
  'udp/4739': 'ipfix',
  'tcp/4739': 'ipfix',
  5060: 'sip',
  'tcp/5061': 'sips',
  'tcp/5222': 'xmpp',
  'udp/5353': 'mdns',
  'tcp/5432': 'postgresql',
  'tcp/5671': 'amqps',
  'tcp/5672': 'amqp',
  'tcp/5900': 'vnc',
  'tcp/6379': 'redis',
  'udp/6343': 'sflow',
  'tcp/6443': 'kubernetes-api',
  'tcp/8080': 'http-alt',
  'tcp/8443': 'https-alt',
  'tcp/9092': 'kafka',
  'tcp/9200': 'elasticsearch',
  'udp/51820': 'wireguard',
  'tcp/27017': 'mongodb',
};

const TRANSPORTS: Readonly<Record<string, number>> = { tcp: TCP, udp: UDP, sctp: SCTP };

/** The table's key for a port on a transport; `protocol * 65536 + port`. */
function keyOf(protocol: number, port: number): number {
  return protocol * 65_536 + port;
}

/**
 * Parses tables of `tcp/443`, `443/tcp` or `443` keys into lookups by transport and port. Each table overrides
 * the ones before it; within one, a key with a transport overrides a bare port (which objects list first anyway).
 * An empty service removes the port.
 */
export function portTable(...tables: ReadonlyArray<Readonly<Record<string, string>>>): Map<number, string> {
  const table = new Map<number, string>();
  for (const [key, service] of tables.flatMap((entries) => Object.entries(entries))) {
    const parts = key.toLowerCase().split('/');
    const port = Number(parts.find((p) => /^\d+$/.test(p)));
    const transport = parts.find((p) => !/^\d+$/.test(p));
    const protocols = transport === undefined ? [TCP, UDP, SCTP] : [TRANSPORTS[transport]];
    if (
      !Number.isInteger(port) ||
      port < 0 ||
      port > 65_535 ||
      protocols[0] === undefined ||
      parts.length > 2
    ) {
      throw new Error(`"${key}" is not a port table key: tcp/443, 443/udp or 443`);
    }
    for (const protocol of protocols) {
      if (service.length === 0) table.delete(keyOf(protocol, port));
      else table.set(keyOf(protocol, port), service);
    }
  }
  return table;
}

/**
 * `network.application`: the source's own application protocol where it reports one (Zeek `service`, Suricata
 * `app_proto`), else the service of the flow's port from the table. Of two ports that both name a service, the
 * lower one is taken: servers listen on the lower one far more often than clients send from it.
 */
export class ApplicationEnricher implements Enricher {
  readonly name = 'applications';
  /** `,"application":"…"` by service, written once. */
  private readonly members = new Map<string, string>();

  constructor(private readonly table: ReadonlyMap<number, string>) {}

  enrich(subject: EnrichSubject, add: Additions): void {
    if (subject.application !== undefined) return;
    const service = subject.applicationProtocol ?? this.byPort(subject);
    if (service === undefined) return;
    let members = this.members.get(service);
    if (members === undefined) {
      members = `,"application":${jsonString(service)}`;
      if (this.members.size < MAX_WRITTEN) this.members.set(service, members);
    }
    add.addMembers('network', members);
  }

  private byPort(subject: EnrichSubject): string | undefined {
    const { protocol, sourcePort, destinationPort } = subject;
    if (protocol !== TCP && protocol !== UDP && protocol !== SCTP) return undefined;
    const toService =
      destinationPort === undefined ? undefined : this.table.get(keyOf(protocol, destinationPort));
    const fromService = sourcePort === undefined ? undefined : this.table.get(keyOf(protocol, sourcePort));
    if (toService === undefined) return fromService;
    if (fromService === undefined) return toService;
    return (sourcePort as number) < (destinationPort as number) ? fromService : toService;
  }
}
