/**
 * The type of every field flowtrail writes outside the tools' own namespaces (zeek.*, suricata.*, snort.*,
 * netflow.*; of these only the session ids and NetFlow's exporter), and the datasets it writes, defined once: the index templates in `mappings/` are generated from this
 * table (`npm run gen:mappings`) and a test keeps them in step.
 */
import { APPLICATION_FIELDS, SURICATA_EVENT_TYPES, ZEEK_LOGS } from './dataset-fields.js';
import type { FieldSpec } from './field-spec.js';

export type { FieldSpec, FieldType } from './field-spec.js';

const keyword: FieldSpec = { type: 'keyword' };
const long: FieldSpec = { type: 'long' };
const ip: FieldSpec = { type: 'ip' };
const date: FieldSpec = { type: 'date' };

/** Where an address is: filled by enrichment, mapped now so that `location` is a geo_point from the first document. */
function geo(prefix: string): Record<string, FieldSpec> {
  return {
    [`${prefix}.geo.location`]: { type: 'geo_point' },
    [`${prefix}.geo.continent_code`]: keyword,
    [`${prefix}.geo.continent_name`]: keyword,
    [`${prefix}.geo.country_iso_code`]: keyword,
    [`${prefix}.geo.country_name`]: keyword,
    [`${prefix}.geo.region_iso_code`]: keyword,
    [`${prefix}.geo.region_name`]: keyword,
    [`${prefix}.geo.city_name`]: keyword,
    [`${prefix}.geo.postal_code`]: keyword,
    [`${prefix}.geo.timezone`]: keyword,
  };
}

function endpoint(prefix: string): Record<string, FieldSpec> {
  return {
    [`${prefix}.ip`]: ip,
    [`${prefix}.port`]: long,
    [`${prefix}.mac`]: keyword,
    [`${prefix}.bytes`]: long,
    [`${prefix}.packets`]: long,
    [`${prefix}.domain`]: keyword,
    [`${prefix}.registered_domain`]: keyword,
    [`${prefix}.top_level_domain`]: keyword,
    [`${prefix}.subdomain`]: keyword,
    [`${prefix}.address`]: keyword,
    [`${prefix}.nat.ip`]: ip,
    [`${prefix}.nat.port`]: long,
    [`${prefix}.as.number`]: long,
    [`${prefix}.as.organization.name`]: keyword,
    ...geo(prefix),
  };
}

/**
 * The tools' own session ids, by which `flowtrail correlate` finds every record of an alert's session (beside
 * `flow.id` and `network.community_id`): Zeek's uid and the uids a record belongs to, Suricata's flow_id. Mapped
 * here, outside the tools' dynamically mapped namespaces, so that they are keywords in every template.
 */
const SESSION_LINK_FIELDS: Record<string, FieldSpec> = {
  'zeek.session_id': keyword,
  'zeek.session_ids': keyword,
  'suricata.eve.flow_id': keyword,
};

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
  // Filebeat's NetFlow fields (not ECS): whether an address is in the configured local networks.
  'source.locality': keyword,
  'destination.locality': keyword,
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
  'observer.ingress.interface.alias': keyword,
  'observer.egress.interface.alias': keyword,
  'host.name': keyword,
  'flow.id': keyword,
  'flow.locality': keyword,
  'related.ip': ip,
  'related.hosts': keyword,
  'log.file.path': keyword,
  'log.offset': long,
  ...SESSION_LINK_FIELDS,
};

/**
 * `data_stream.*`, on clusters with data streams only: set at index time from the stream's name (the ingest
 * pipeline, see templates.ts), a constant per stream.
 */
export const DATA_STREAM_FIELDS: Record<string, FieldSpec> = {
  'data_stream.type': { type: 'constant_keyword' },
  'data_stream.dataset': { type: 'constant_keyword' },
  'data_stream.namespace': { type: 'constant_keyword' },
};

/**
 * `client.*` and `server.*`: the source's and destination's fields again, by role (roles.ts). Every search and
 * aggregation that asks for a role (reports, correlation, the Kibana objects) names the addresses and the
 * server's port only, so the other members are kept in `_source` (read there, e.g. by the console) without index
 * or doc values: what they would cost is already paid once on `source.*` and `destination.*`. `geo.location` stays
 * a geo_point, as a map needs.
 */
function role(prefix: string, searched: readonly string[]): Record<string, FieldSpec> {
  const fields = endpoint(prefix);
  for (const [name, spec] of Object.entries(fields)) {
    if (!searched.includes(name) && spec.type !== 'geo_point') fields[name] = { ...spec, stored_only: true };
  }
  return fields;
}

/**
 * The exporter a NetFlow record came from: the one part of the source's own `netflow.*` namespace that is
 * searched (tests and users filter flows by exporter, version and observation domain). The rest of `netflow.*`
 * repeats the ECS fields or is vendor detail, kept in `_source` only (see NETFLOW_STORED_ONLY in templates.ts).
 */
const NETFLOW_EXPORTER_FIELDS: Record<string, FieldSpec> = {
  'netflow.exporter.address': keyword,
  'netflow.exporter.source_id': long,
  'netflow.exporter.version': long,
};

/**
 * What a GoFlow2 flow message carries beside the ECS fields (codecs/goflow2): the exporter's sequence and sampling,
 * routing (AS numbers, prefixes, next hops, BGP) and IP header details, under GoFlow2's own names.
 */
const GOFLOW2_FIELDS: Record<string, FieldSpec> = {
  'goflow2.type': keyword,
  'goflow2.sequence_num': long,
  'goflow2.sampling_rate': long,
  'goflow2.time_received': date,
  'goflow2.observation_domain_id': long,
  'goflow2.observation_point_id': long,
  'goflow2.etype': long,
  'goflow2.src_as': long,
  'goflow2.dst_as': long,
  'goflow2.src_net': long,
  'goflow2.dst_net': long,
  'goflow2.next_hop': ip,
  'goflow2.next_hop_as': long,
  'goflow2.bgp_next_hop': ip,
  'goflow2.bgp_communities': long,
  'goflow2.as_path': long,
  'goflow2.mpls_label': long,
  'goflow2.src_vlan': long,
  'goflow2.dst_vlan': long,
  'goflow2.ip_tos': long,
  'goflow2.ip_ttl': long,
  'goflow2.ip_flags': long,
  'goflow2.forwarding_status': long,
  'goflow2.ipv6_flow_label': long,
  'goflow2.fragment_id': long,
  'goflow2.fragment_offset': long,
};

/** `pcap.packet_sizes`'s members: IP lengths <=64, 65-127, …, 1024-1518, larger (the meter's order). */
export const TAP_PACKET_SIZE_BINS = [
  'le_64',
  '65_127',
  '128_255',
  '256_511',
  '512_1023',
  '1024_1518',
  'gt_1518',
] as const;

/**
 * What the packet tap measures beside the ECS fields (its conn_state and history go where Zeek's conn records have
 * them, `zeek.connection.*`): why the flow was written out, the lowest TTL / hop limit each side sent with, IP
 * fragments, and packets by IP length in RFC 2819's size bins.
 */
const TAP_FIELDS: Record<string, FieldSpec> = {
  'pcap.end_reason': keyword,
  'pcap.source_ttl': long,
  'pcap.destination_ttl': long,
  'pcap.fragments': long,
  'pcap.inner_vlan': keyword,
  ...Object.fromEntries(TAP_PACKET_SIZE_BINS.map((bin) => [`pcap.packet_sizes.${bin}`, long])),
};

/** Fields of flow documents, on top of the base. */
export const FLOW_FIELDS: Record<string, FieldSpec> = {
  ...role('client', ['client.ip']),
  ...role('server', ['server.ip', 'server.port']),
  ...NETFLOW_EXPORTER_FIELDS,
  'input.type': keyword,
  'flowtrail.observer': keyword,
  'flowtrail.initiator': keyword,
  'flowtrail.tcp_flags': keyword,
  /** ifHighSpeed of the observer's interfaces (Mbit/s): ECS has no field for an interface's speed. */
  'flowtrail.ingress_interface.speed_mbps': long,
  'flowtrail.egress_interface.speed_mbps': long,
  ...TAP_FIELDS,
  ...GOFLOW2_FIELDS,
};

/** What one endpoint of an alert did in the window before or after it (`flowtrail correlate`). */
function activity(prefix: string): Record<string, FieldSpec> {
  return {
    [`${prefix}.observer`]: keyword,
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
    'flowtrail.context.observer': keyword,
    'flowtrail.context.observer_flow_count': long,
    'flowtrail.context.bytes': long,
    'flowtrail.context.packets': long,
    'flowtrail.context.start': date,
    'flowtrail.context.end': date,
    'flowtrail.context.first_talker': ip,
    'flowtrail.context.last_talker': ip,
    'flowtrail.context.members.count': long,
    'flowtrail.context.members.datasets': keyword,
    'flowtrail.context.members.alert_modules': keyword,
    'flowtrail.context.members.alert_count': long,
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
  'flowtrail.severity': keyword,
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
  // Suricata alerts carry the application objects of the traffic they are about.
  ...APPLICATION_FIELDS,
};

/** One host in one interval (`flowtrail.host_summary`): host.ip plus its traffic split by direction and locality. */
export const HOST_SUMMARY_FIELDS: Record<string, FieldSpec> = {
  'host.ip': ip,
  ...geo('host'),
  'flowtrail.host.locality': keyword,
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
  'flowtrail.summary.observer': keyword,
};

/**
 * A rollup of flows whose indices retention deleted (`flowtrail.archive_hosts`: per address, side and hour;
 * `flowtrail.archive_pairs`: per pair and day), each split by transport, direction and observer. Shaped as a flow
 * (source/destination.ip, network.*, flowtrail.observer) so that reports read it as they read flows, with
 * `flowtrail.archive.flows` counting the flows each document stands for.
 */
export const ARCHIVE_FIELDS: Record<string, FieldSpec> = {
  'flowtrail.observer': keyword,
  'flowtrail.archive.flows': long,
  'flowtrail.archive.interval': keyword,
  'flowtrail.archive.interval_end': date,
  'flowtrail.archive.source_index': keyword,
};

/** Lifetimes, in config terms, of each kind of data stream. */
export type RetentionKind = 'flows' | 'alerts' | 'events';

export interface DataStreamSpec {
  /**
   * ECS dataset; the stream is `logs-<dataset>-<namespace>`. For a family, what its datasets start with
   * (`flowtrail.zeek_`).
   */
  dataset: string;
  /** Set for the template of a family: every dataset starting with `dataset` that has no template of its own. */
  family?: true;
  retention: RetentionKind;
  fields: Record<string, FieldSpec>;
  description: string;
}

function zeekLog(log: string, fields: Record<string, FieldSpec>): DataStreamSpec {
  return { dataset: `flowtrail.zeek_${log}`, retention: 'events', fields, description: `Zeek ${log}.log` };
}

function suricataEvents(type: string): DataStreamSpec {
  return {
    dataset: `flowtrail.suricata_${type}`,
    retention: 'events',
    fields: APPLICATION_FIELDS,
    description: `Suricata EVE ${type} events`,
  };
}

export const DATA_STREAMS: DataStreamSpec[] = [
  {
    dataset: 'flowtrail.flows',
    retention: 'flows',
    fields: FLOW_FIELDS,
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
  // Archives outlive the flows they summarize: they are kept as long as alerts.
  {
    dataset: 'flowtrail.archive_hosts',
    retention: 'alerts',
    fields: ARCHIVE_FIELDS,
    description: 'flows of deleted days rolled up per address, side and hour',
  },
  {
    dataset: 'flowtrail.archive_pairs',
    retention: 'alerts',
    fields: ARCHIVE_FIELDS,
    description: 'flows of deleted days rolled up per address pair and day',
  },
  ...Object.entries(ZEEK_LOGS).map(([log, fields]) => zeekLog(log, fields)),
  {
    dataset: 'flowtrail.zeek_',
    family: true,
    retention: 'events',
    fields: APPLICATION_FIELDS,
    description: 'Zeek logs without a template of their own',
  },
  ...SURICATA_EVENT_TYPES.map(suricataEvents),
  {
    dataset: 'flowtrail.suricata_',
    family: true,
    retention: 'events',
    fields: APPLICATION_FIELDS,
    description: 'Suricata EVE event types without a template of their own',
  },
];

/** The template's stream spec for a dataset: its own, else its family's; undefined when flowtrail has none. */
export function streamOf(dataset: string): DataStreamSpec | undefined {
  return (
    DATA_STREAMS.find((s) => !s.family && s.dataset === dataset) ??
    DATA_STREAMS.find((s) => s.family && dataset.startsWith(s.dataset))
  );
}

/** Every field of every template, with its type: what the ECS check (ecs-types.test.ts) looks at. */
export function allMappedFields(): Record<string, FieldSpec> {
  const all: Record<string, FieldSpec> = { ...BASE_FIELDS, ...DATA_STREAM_FIELDS };
  for (const stream of DATA_STREAMS) Object.assign(all, stream.fields);
  return all;
}
