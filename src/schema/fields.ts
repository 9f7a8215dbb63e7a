/**
 * The Elasticsearch type of every ECS field flowtrail writes, defined once: the index templates in `mappings/`
 * are generated from this table (`npm run gen:mappings`) and a test keeps them in step.
 */
export type FieldType =
  | 'ip'
  | 'keyword'
  | 'long'
  | 'double'
  | 'date'
  | 'boolean'
  | 'text'
  | 'float'
  | 'wildcard';

export interface FieldSpec {
  type: FieldType;
  /** Kept in _source only (e.g. event.original): not searchable, no doc values. */
  stored_only?: boolean;
}

const keyword: FieldSpec = { type: 'keyword' };
const long: FieldSpec = { type: 'long' };
const ip: FieldSpec = { type: 'ip' };
const date: FieldSpec = { type: 'date' };

function endpoint(prefix: string): Record<string, FieldSpec> {
  return {
    [`${prefix}.ip`]: ip,
    [`${prefix}.port`]: long,
    [`${prefix}.mac`]: keyword,
    [`${prefix}.bytes`]: long,
    [`${prefix}.packets`]: long,
    [`${prefix}.locality`]: keyword,
    [`${prefix}.domain`]: keyword,
    [`${prefix}.address`]: keyword,
    [`${prefix}.nat.ip`]: ip,
    [`${prefix}.nat.port`]: long,
  };
}

/** Fields every flowtrail document may carry. */
export const BASE_FIELDS: Record<string, FieldSpec> = {
  '@timestamp': date,
  'ecs.version': keyword,
  tags: keyword,
  message: { type: 'text' },
  'event.kind': keyword,
  'event.category': keyword,
  'event.type': keyword,
  'event.action': keyword,
  'event.outcome': keyword,
  'event.dataset': keyword,
  'event.module': keyword,
  'event.provider': keyword,
  'event.start': date,
  'event.end': date,
  'event.created': date,
  'event.ingested': date,
  'event.duration': long,
  'event.severity': long,
  'event.risk_score': { type: 'float' },
  'event.id': keyword,
  'event.original': { type: 'keyword', stored_only: true },
  ...endpoint('source'),
  ...endpoint('destination'),
  ...endpoint('client'),
  ...endpoint('server'),
  'network.transport': keyword,
  'network.iana_number': keyword,
  'network.type': keyword,
  'network.protocol': keyword,
  'network.application': keyword,
  'network.bytes': long,
  'network.packets': long,
  'network.direction': keyword,
  'network.community_id': keyword,
  'network.vlan.id': keyword,
  'network.inner.vlan.id': keyword,
  'observer.ip': ip,
  'observer.name': keyword,
  'observer.type': keyword,
  'observer.hostname': keyword,
  'observer.vendor': keyword,
  'observer.product': keyword,
  'observer.ingress.interface.name': keyword,
  'observer.ingress.interface.id': keyword,
  'observer.egress.interface.name': keyword,
  'observer.egress.interface.id': keyword,
  'host.name': keyword,
  'flow.id': keyword,
  'flow.locality': keyword,
  'related.ip': ip,
  'related.hosts': keyword,
  'flowtrail.tcp_flags': keyword,
  'flowtrail.severity': keyword,
  'log.file.path': keyword,
  'log.offset': long,
};

/** What one endpoint of an alert did in the window before or after it (`flowtrail correlate`). */
function activity(prefix: string): Record<string, FieldSpec> {
  return {
    [`${prefix}.bytes`]: long,
    [`${prefix}.flows`]: long,
    [`${prefix}.peers`]: long,
    [`${prefix}.ports_contacted`]: long,
    [`${prefix}.ports_accessed`]: long,
    [`${prefix}.new_peers`]: ip,
    [`${prefix}.new_peer_count`]: long,
    [`${prefix}.scan.destinations`]: long,
    [`${prefix}.scan.ports`]: long,
    [`${prefix}.scan.failed_share`]: { type: 'double' },
    [`${prefix}.scan.scanning`]: { type: 'boolean' },
  };
}

/** The context summary the correlator writes back onto each alert. */
function alertContextFields(): Record<string, FieldSpec> {
  const fields: Record<string, FieldSpec> = {
    'flowtrail.context.correlated_at': date,
    'flowtrail.context.match': keyword,
    'flowtrail.context.flow_count': long,
    'flowtrail.context.flow_ids': keyword,
    'flowtrail.context.modules': keyword,
    'flowtrail.context.observers': keyword,
    'flowtrail.context.session.bytes': long,
    'flowtrail.context.session.packets': long,
    'flowtrail.context.session.start': date,
    'flowtrail.context.session.end': date,
    'flowtrail.context.session.first_talker': ip,
    'flowtrail.context.session.last_talker': ip,
  };
  for (const side of ['source', 'destination']) {
    fields[`flowtrail.context.${side}.ip`] = ip;
    for (const when of ['before', 'after'])
      Object.assign(fields, activity(`flowtrail.context.${side}.${when}`));
  }
  return fields;
}

/** Evidence of flowtrail's own detections (event.module `flowtrail`). */
const DETECTION_EVIDENCE_FIELDS: Record<string, FieldSpec> = {
  'flowtrail.detection.type': keyword,
  'flowtrail.detection.direction': keyword,
  'flowtrail.detection.window_start': date,
  'flowtrail.detection.window_end': date,
  'flowtrail.detection.flows': long,
  'flowtrail.detection.failed_share': { type: 'double' },
  'flowtrail.detection.distinct_ports': long,
  'flowtrail.detection.distinct_destinations': long,
  'flowtrail.detection.ports': long,
  'flowtrail.detection.destinations': ip,
  'flowtrail.detection.bytes': long,
  'flowtrail.detection.bytes_sent': long,
  'flowtrail.detection.bytes_received': long,
  'flowtrail.detection.baseline_bytes': { type: 'double' },
  'flowtrail.detection.threshold_bytes': { type: 'double' },
  'flowtrail.detection.policy': keyword,
};

/** Fields of alert documents, on top of the base. */
export const ALERT_FIELDS: Record<string, FieldSpec> = {
  'rule.id': keyword,
  'rule.uuid': keyword,
  'rule.name': keyword,
  'rule.category': keyword,
  'rule.version': keyword,
  'rule.description': keyword,
  'rule.ruleset': keyword,
  'rule.reference': keyword,
  'rule.author': keyword,
  ...alertContextFields(),
  ...DETECTION_EVIDENCE_FIELDS,
};

/** One host in one interval (`flowtrail.host_summary`): host.ip plus its traffic split by direction and locality. */
export const HOST_SUMMARY_FIELDS: Record<string, FieldSpec> = {
  'host.ip': ip,
  'host.locality': keyword,
  'flowtrail.summary.interval_start': date,
  'flowtrail.summary.interval_end': date,
  'flowtrail.summary.bytes_out_internal': long,
  'flowtrail.summary.bytes_out_external': long,
  'flowtrail.summary.bytes_in_internal': long,
  'flowtrail.summary.bytes_in_external': long,
  'flowtrail.summary.packets_out': long,
  'flowtrail.summary.packets_in': long,
  'flowtrail.summary.flows_out': long,
  'flowtrail.summary.flows_in': long,
  'flowtrail.summary.peers_contacted': long,
  'flowtrail.summary.peers_contacting': long,
  'flowtrail.summary.ports_contacted': long,
  'flowtrail.summary.ports_accessed': long,
};

/** Lifetimes, in config terms, of each kind of data stream. */
export type RetentionKind = 'flows' | 'alerts' | 'events';

export interface DataStreamSpec {
  /** ECS dataset; the stream is `logs-<dataset>-<namespace>`. */
  dataset: string;
  retention: RetentionKind;
  fields: Record<string, FieldSpec>;
  description: string;
}

export const DATA_STREAMS: DataStreamSpec[] = [
  {
    dataset: 'flowtrail.flows',
    retention: 'flows',
    fields: {},
    description: 'normalized flows from every source',
  },
  {
    dataset: 'flowtrail.alerts',
    retention: 'alerts',
    fields: ALERT_FIELDS,
    description: 'IDS alerts and detections',
  },
  {
    dataset: 'flowtrail.host_summary',
    retention: 'flows',
    fields: HOST_SUMMARY_FIELDS,
    description: 'per-host, per-interval traffic rollups maintained by flowtrail',
  },
];
