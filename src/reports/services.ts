import { endedBetween, type Metric } from '../correlate/es.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report, ReportRow } from './context.js';
import { OBSERVER_SOURCE, observerFilter, observerName, PerObserver } from './observers.js';

/** Well-known services the client/server report names. */
export const SERVICES: Record<number, string> = {
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  53: 'dns',
  80: 'http',
  110: 'pop3',
  123: 'ntp',
  143: 'imap',
  161: 'snmp',
  389: 'ldap',
  443: 'https',
  445: 'smb',
  465: 'smtps',
  587: 'submission',
  993: 'imaps',
  995: 'pop3s',
  3306: 'mysql',
  3389: 'rdp',
  5432: 'postgresql',
};

const PORTS = Object.keys(SERVICES).map(Number);

/**
 * A service answered: UDP from the port, or TCP from the port carrying ACK without being a bare reset (a closed
 * port answers a SYN with RST/ACK, which is not service).
 */
const ANSWERED = {
  bool: {
    should: [
      { term: { 'network.transport': 'udp' } },
      {
        bool: {
          filter: [{ term: { 'network.transport': 'tcp' } }, { term: { 'flowtrail.tcp_flags': 'ACK' } }],
          must_not: {
            bool: {
              filter: { term: { 'flowtrail.tcp_flags': 'RST' } },
              must_not: { terms: { 'flowtrail.tcp_flags': ['SYN', 'PSH'] } },
            },
          },
        },
      },
    ],
    minimum_should_match: 1,
  },
};

type ServiceBucket = CompositeBucket<{
  host: string;
  port: number;
  transport: string;
  observer: string | null;
}> & {
  bytes: Metric;
  peers: Metric;
};

interface ServiceRow extends ReportRow {
  host: string;
  role: string;
  service: string;
  port: number;
  transport: string;
  peers: number;
  flows: number;
  bytes: number;
}

/**
 * Which local hosts serve (answer on) well-known service ports, and which use them as clients; each row as the
 * observer that saw the most of its bytes saw it (observers.ts).
 */
export const clientServer: Report = {
  name: 'client-server',
  description: 'local hosts serving HTTP, HTTPS, SMTP, SSH, DNS, telnet… and local hosts using them',
  columns: ['host', 'role', 'service', 'port', 'transport', 'peers', 'flows', 'bytes', 'observer'],
  async run(ctx) {
    const rows = new PerObserver<ServiceRow>(() => ({
      host: '',
      role: '',
      service: '',
      port: 0,
      transport: '',
      peers: 0,
      flows: 0,
      bytes: 0,
    }));
    for (const role of ['server', 'client'] as const) {
      // Both roles are read off the answers: they leave the server from the service port towards the client.
      const host = role === 'server' ? 'source' : 'destination';
      const peer = role === 'server' ? 'destination' : 'source';
      const buckets = await allBuckets<ServiceBucket['key'], ServiceBucket>(
        ctx.client,
        ctx.flows,
        {
          bool: {
            filter: [
              endedBetween(ctx.range.from, ctx.range.to),
              { terms: { 'source.port': PORTS } },
              ANSWERED,
              { term: { [`${host}.locality`]: 'internal' } },
              ...observerFilter(ctx.observers),
            ],
          },
        },
        [
          { host: { terms: { field: `${host}.ip` } } },
          { port: { terms: { field: 'source.port' } } },
          { transport: { terms: { field: 'network.transport' } } },
          OBSERVER_SOURCE,
        ],
        { bytes: { sum: { field: 'network.bytes' } }, peers: { cardinality: { field: `${peer}.ip` } } },
      );
      for (const b of buckets) {
        const { host, port, transport } = b.key;
        Object.assign(rows.row(`${host} ${role} ${port} ${transport}`, observerName(b.key.observer)), {
          host,
          role,
          service: SERVICES[port] ?? '',
          port,
          transport,
          peers: b.peers.value ?? 0,
          flows: b.doc_count,
          bytes: b.bytes.value ?? 0,
        });
      }
    }
    return rows
      .rows((row) => row.bytes, ctx.observers.each)
      .sort(
        (a, b) =>
          a.host.localeCompare(b.host, 'en', { numeric: true }) ||
          a.port - b.port ||
          b.role.localeCompare(a.role) ||
          a.observer.localeCompare(b.observer),
      );
  },
};
