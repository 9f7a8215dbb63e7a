import type { FieldSpec } from './field-spec.js';

/**
 * The ECS fields of application protocols, as the Zeek and Suricata codecs fill them (codecs/zeek/ecs-fields.ts,
 * codecs/suricata/ecs-fields.ts). Each dataset's template maps the groups its documents can carry.
 */

const keyword: FieldSpec = { type: 'keyword' };
const long: FieldSpec = { type: 'long' };
const ip: FieldSpec = { type: 'ip' };
const date: FieldSpec = { type: 'date' };
const boolean: FieldSpec = { type: 'boolean' };

export const DNS_FIELDS: Record<string, FieldSpec> = {
  'dns.id': keyword,
  'dns.type': keyword,
  'dns.question.name': keyword,
  'dns.question.type': keyword,
  'dns.question.class': keyword,
  'dns.question.registered_domain': keyword,
  'dns.question.top_level_domain': keyword,
  'dns.question.subdomain': keyword,
  'dns.response_code': keyword,
  'dns.header_flags': keyword,
  'dns.answers.name': keyword,
  'dns.answers.type': keyword,
  'dns.answers.class': keyword,
  'dns.answers.data': keyword,
  'dns.answers.ttl': long,
  'dns.resolved_ip': ip,
};

export const HTTP_FIELDS: Record<string, FieldSpec> = {
  'url.original': keyword,
  'url.domain': keyword,
  'url.path': keyword,
  'url.query': keyword,
  'http.version': keyword,
  'http.request.method': keyword,
  'http.request.referrer': keyword,
  'http.request.body.bytes': long,
  'http.response.status_code': long,
  'http.response.body.bytes': long,
  'user_agent.original': keyword,
};

export const TLS_FIELDS: Record<string, FieldSpec> = {
  'tls.version': keyword,
  'tls.version_protocol': keyword,
  'tls.cipher': keyword,
  'tls.curve': keyword,
  'tls.resumed': boolean,
  'tls.established': boolean,
  'tls.next_protocol': keyword,
  'tls.client.server_name': keyword,
  'tls.client.issuer': keyword,
  'tls.client.subject': keyword,
  'tls.client.ja3': keyword,
  'tls.server.issuer': keyword,
  'tls.server.subject': keyword,
  'tls.server.not_before': date,
  'tls.server.not_after': date,
  'tls.server.hash.sha1': keyword,
  'tls.server.ja3s': keyword,
};

export const FILE_FIELDS: Record<string, FieldSpec> = {
  'file.name': keyword,
  'file.path': keyword,
  'file.mime_type': keyword,
  'file.size': long,
  'file.hash.md5': keyword,
  'file.hash.sha1': keyword,
  'file.hash.sha256': keyword,
};

/** Every application group: what an EVE event of any type may carry (its `http`, `dns`, `tls`, `fileinfo`). */
export const APPLICATION_FIELDS: Record<string, FieldSpec> = {
  ...DNS_FIELDS,
  ...HTTP_FIELDS,
  ...TLS_FIELDS,
  ...FILE_FIELDS,
};

/**
 * Zeek logs with a template of their own, and the application fields each one's documents carry
 * (codecs/zeek/ecs-fields.ts PROFILES). Any other log goes to `flowtrail.zeek_<log>` under the Zeek family's
 * template. conn and notice are flows and alerts.
 */
export const ZEEK_LOGS: Record<string, Record<string, FieldSpec>> = {
  dns: DNS_FIELDS,
  http: HTTP_FIELDS,
  ssl: TLS_FIELDS,
  ssh: {},
  files: FILE_FIELDS,
  x509: {},
  weird: {},
};

/**
 * EVE event types with a template of their own: the ones the Suricata codec maps to ECS or profiles
 * (codecs/suricata/map.ts), and the common protocol logs. Every EVE event may carry any application object, so
 * each maps all of them. Any other type goes to `flowtrail.suricata_<type>` under the Suricata family's template;
 * alert, flow and netflow events are alerts and flows.
 */
export const SURICATA_EVENT_TYPES = ['dns', 'http', 'tls', 'fileinfo', 'ssh', 'smtp', 'anomaly', 'stats'];
