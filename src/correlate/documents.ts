import type { Finding } from '../detect/finding.js';

/** The parts of flow and alert documents that correlation, reports and detections read. */
export interface Endpoint {
  ip: string;
  port?: number;
  bytes?: number;
  packets?: number;
  locality?: string;
}

export interface FlowDoc {
  '@timestamp': string;
  event?: { start?: string; end?: string; module?: string; created?: string };
  source: Endpoint;
  destination: Endpoint;
  network?: {
    transport?: string;
    bytes?: number;
    packets?: number;
    community_id?: string;
    direction?: string;
  };
  observer?: { ip?: string; name?: string };
  netflow?: { exporter?: { address?: string } };
  /** The initiator and the other end (src/schema/roles.ts); absent on documents of older versions. */
  client?: { ip?: string; port?: number };
  server?: { ip?: string; port?: number };
  flowtrail?: { tcp_flags?: string[]; observer?: string; initiator?: 'source' | 'destination' };
}

/** What flowtrail's own detections write on their alerts (src/detect/alerts.ts): a finding's evidence, its window. */
export type DetectionFacts = Partial<Finding['evidence']> & {
  type?: string;
  direction?: string;
  window_start?: string;
  window_end?: string;
};

export interface AlertDoc {
  '@timestamp': string;
  event?: { module?: string; dataset?: string; severity?: number };
  rule?: { id?: string; name?: string };
  source?: Partial<Endpoint>;
  destination?: Partial<Endpoint>;
  network?: { transport?: string; community_id?: string };
  flowtrail?: { context?: Record<string, unknown>; detection?: DetectionFacts } & Record<string, unknown>;
}

/** The fields correlation fetches of each flow. */
export const FLOW_SOURCE_FIELDS = [
  '@timestamp',
  'event.start',
  'event.end',
  'event.module',
  'event.created',
  'source',
  'destination',
  'network.transport',
  'network.bytes',
  'network.packets',
  'network.community_id',
  'observer.ip',
  'observer.name',
  'netflow.exporter.address',
  'flowtrail.tcp_flags',
  'flowtrail.observer',
  'flowtrail.initiator',
  'client',
  'server',
];

export function flowStart(doc: FlowDoc): number {
  return Date.parse(doc.event?.start ?? doc['@timestamp']);
}

export function flowEnd(doc: FlowDoc): number {
  return Date.parse(doc.event?.end ?? doc['@timestamp']);
}

/**
 * Which device reported a flow. Several exporters on one link report the same traffic; this tells their records
 * apart (NetFlow exporter address:port, else the observer's name or address, else the module).
 */
export function observerOf(doc: FlowDoc): string {
  return (
    doc.flowtrail?.observer ??
    doc.netflow?.exporter?.address ??
    doc.observer?.name ??
    doc.observer?.ip ??
    doc.event?.module ??
    'unknown'
  );
}

/**
 * A TCP connection attempt that failed: the sender's SYN got no ACK back into its flow, or the flow was reset.
 * Scanners leave mostly these; ordinary clients almost none.
 */
export function isFailedAttempt(
  transport: string | undefined,
  flags: readonly string[] | undefined,
): boolean {
  if (transport !== 'tcp' || flags === undefined) return false;
  return (flags.includes('SYN') && !flags.includes('ACK')) || flags.includes('RST');
}

/** The same predicate as an Elasticsearch query, for aggregations over stored flows. */
export const FAILED_ATTEMPT_QUERY = {
  bool: {
    filter: [{ term: { 'network.transport': 'tcp' } }],
    should: [
      {
        bool: {
          filter: { term: { 'flowtrail.tcp_flags': 'SYN' } },
          must_not: { term: { 'flowtrail.tcp_flags': 'ACK' } },
        },
      },
      { term: { 'flowtrail.tcp_flags': 'RST' } },
    ],
    minimum_should_match: 1,
  },
};
