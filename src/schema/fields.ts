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
];
