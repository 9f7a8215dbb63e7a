import { iso } from './es.js';

/**
 * What ties a document to an alert's session, as the documents store it: the tools' own session ids in `flow.id`
 * (Zeek's uid, Suricata's flow_id), the uids a Zeek files record names (`zeek.session_ids`), the Community ID,
 * and the certificates a Zeek ssl record names (its x509 records carry no uid).
 */
export interface SessionKeys {
  /** Zeek uids and Suricata flow ids: unique for far longer than a session, so searched over a wide span. */
  sessionIds: string[];
  /** Community IDs recur whenever the same 5-tuple does, so only over the session's own time. */
  communityIds: string[];
  /** Zeek x509 fingerprints (Zeek 4+) and file ids (older Zeek) of the session's certificates. */
  certificates: string[];
}

export interface SessionSpan {
  /** The session's own time: its flows' start and end, and the alert (epoch ms). */
  from: number;
  to: number;
  /** How far a record tied by a community id may be from that time. */
  toleranceMs: number;
  /** How far a record tied by a session id or certificate may be. */
  windowMs: number;
}

/** The fields a member's line and its links are read from. */
export const MEMBER_SOURCE_FIELDS = [
  '@timestamp',
  'message',
  'event.kind',
  'event.dataset',
  'event.module',
  'event.action',
  'source.ip',
  'source.port',
  'destination.ip',
  'destination.port',
  'network.transport',
  'network.community_id',
  'flow.id',
  'rule.id',
  'rule.name',
  'rule.description',
  'dns.question',
  'dns.answers',
  'dns.resolved_ip',
  'dns.response_code',
  'url.original',
  'url.domain',
  'url.path',
  'http.request.method',
  'http.response.status_code',
  'tls.version',
  'tls.version_protocol',
  'tls.client.server_name',
  'tls.server.subject',
  'file.name',
  'file.path',
  'file.mime_type',
  'file.size',
  'file.hash',
  'zeek.session_ids',
  'zeek.weird.name',
  'zeek.ssl.cert_chain_fps',
  'zeek.ssl.cert_chain_fuids',
  'zeek.ssl.client_cert_chain_fps',
  'zeek.ssl.client_cert_chain_fuids',
  'zeek.x509.fingerprint',
  'zeek.x509.id',
  'zeek.x509.certificate.subject',
  'zeek.x509.certificate.issuer',
  'suricata.eve.anomaly.event',
];

/** The link fields, for the search and for telling how each member was found. */
export const LINKS = {
  sessionId: ['flow.id', 'zeek.session_ids'],
  communityId: 'network.community_id',
  certificate: ['zeek.x509.fingerprint', 'zeek.x509.id'],
} as const;

function range(from: number, to: number): Record<string, unknown> {
  return { range: { '@timestamp': { gte: iso(from), lte: iso(to) } } };
}

/** The query for every stored document that shares one of the keys, each kind of key over its own span. */
export function membersQuery(keys: SessionKeys, span: SessionSpan): Record<string, unknown> | undefined {
  const wide = range(span.from - span.windowMs, span.to + span.windowMs);
  const should: Record<string, unknown>[] = [];
  if (keys.sessionIds.length > 0)
    for (const field of LINKS.sessionId)
      should.push({ bool: { filter: [wide, { terms: { [field]: keys.sessionIds } }] } });
  if (keys.communityIds.length > 0)
    should.push({
      bool: {
        filter: [
          range(span.from - span.toleranceMs, span.to + span.toleranceMs),
          { terms: { [LINKS.communityId]: keys.communityIds } },
        ],
      },
    });
  if (keys.certificates.length > 0)
    for (const field of LINKS.certificate)
      should.push({ bool: { filter: [wide, { terms: { [field]: keys.certificates } }] } });
  if (should.length === 0) return undefined;
  return { bool: { should, minimum_should_match: 1 } };
}

/** Members listed per search; beyond, the counts per dataset say what was left out. */
export const MEMBERS_FETCHED = 500;

export function membersBody(query: Record<string, unknown>): Record<string, unknown> {
  return {
    size: MEMBERS_FETCHED,
    track_total_hits: true,
    query,
    // Alerts first (`alert` sorts before `event`): a tunnel's thousands of events must not hide its alerts.
    sort: [{ 'event.kind': 'asc' }, { '@timestamp': 'asc' }],
    _source: MEMBER_SOURCE_FIELDS,
    aggs: { datasets: { terms: { field: 'event.dataset', size: 100 } } },
  };
}
