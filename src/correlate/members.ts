import type { StoreClient } from '../store/client.js';
import type { AlertDoc, FlowDoc } from './documents.js';
import { type Bucket, type Hit, type SearchResult, search, type Terms } from './es.js';
import { memberKind, memberLine } from './member-line.js';
import { membersBody, membersQuery, type SessionKeys, type SessionSpan } from './member-query.js';

type Doc = Record<string, unknown>;
type MemberResult = SearchResult<Doc, { datasets: Terms<Bucket> }>;

/** One line of an alert's session timeline. */
export interface SessionMember {
  time: string;
  /** The tool that logged it (`zeek`, `suricata`, `snort`, `netflow`…) and its kind (`dns`, `ssl`, `flow`…). */
  module: string;
  kind: string;
  line: string;
  id: string;
  index: string;
  /** Copies of one alert (the same tool, rule, time and endpoints) are one line; how many there are. */
  copies?: number;
}

/** The IDS alerts of the session, every tool's, copies of one alert counted once. */
export interface SessionAlert {
  module: string;
  time: string;
  rule: { id?: string; name?: string };
  ids: string[];
}

export interface SessionMembers {
  /** The ids the members were found by. */
  keys: { session_ids: string[]; community_ids: string[]; certificates: string[] };
  /** Every member: flow records, logs, events and alerts (copies of an alert counted each). */
  member_count: number;
  datasets: Array<{ dataset: string; count: number; listed: number }>;
  /** Members left out of the timeline; `datasets` says of which kind. */
  left_out: number;
  alerts: SessionAlert[];
  /** In time order, up to TIMELINE_MAX lines. */
  timeline: SessionMember[];
}

/** Lines of one timeline: a long-lived tunnel's thousands of members are counted, not listed. */
export const TIMELINE_MAX = 200;
/** Keys gathered from the flows of one session (both directions, a few observers, a few tools). */
const KEYS_MAX = 100;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

function at(doc: Doc, ...path: string[]): unknown {
  let node: unknown = doc;
  for (const part of path) node = (node as Doc | undefined)?.[part];
  return node;
}

function list(value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.map(str).filter((v): v is string => v !== undefined);
}

/** Every key a member carries, so that what it links to is found too (a Zeek dns record's uid, an ssl's certificates). */
function keysOf(doc: Doc): SessionKeys {
  const ssl = at(doc, 'zeek', 'ssl') as Doc | undefined;
  return {
    sessionIds: [...list(at(doc, 'flow', 'id')), ...list(at(doc, 'zeek', 'session_ids'))],
    communityIds: list(at(doc, 'network', 'community_id')),
    certificates: ssl
      ? ['cert_chain_fps', 'cert_chain_fuids', 'client_cert_chain_fps', 'client_cert_chain_fuids'].flatMap(
          (k) => list(ssl[k]),
        )
      : [],
  };
}

function emptyKeys(): SessionKeys {
  return { sessionIds: [], communityIds: [], certificates: [] };
}

function addKeys(into: SessionKeys, more: SessionKeys): SessionKeys {
  const added = emptyKeys();
  for (const k of ['sessionIds', 'communityIds', 'certificates'] as const)
    for (const value of more[k])
      if (!into[k].includes(value) && into[k].length < KEYS_MAX) {
        into[k].push(value);
        added[k].push(value);
      }
  return added;
}

const hasKeys = (k: SessionKeys) => k.sessionIds.length + k.communityIds.length + k.certificates.length > 0;

/**
 * The alert's own keys, and, when its flows are one session (matched by Community ID or 5-tuple), theirs: a
 * Zeek conn record's uid, a Suricata flow's flow_id. A scan's or a detection's flows are many sessions, whose
 * members are not this alert's.
 */
export function sessionKeys(alert: AlertDoc, flows: readonly FlowDoc[], oneSession: boolean): SessionKeys {
  const keys = emptyKeys();
  addKeys(keys, keysOf(alert as unknown as Doc));
  if (oneSession) for (const flow of flows) addKeys(keys, keysOf(flow as unknown as Doc));
  return keys;
}

export interface FlowMember {
  id: string;
  doc: FlowDoc;
}

function alertKey(doc: Doc): string {
  return JSON.stringify([
    at(doc, 'event', 'module'),
    at(doc, 'rule', 'id') ?? at(doc, 'rule', 'name'),
    doc['@timestamp'],
    at(doc, 'source', 'ip'),
    at(doc, 'source', 'port'),
    at(doc, 'destination', 'ip'),
    at(doc, 'destination', 'port'),
  ]);
}

function toMember(hit: Hit<Doc>, module: string, kind: string): SessionMember {
  return {
    time: String(hit._source['@timestamp']),
    module,
    kind,
    line: memberLine(hit._source),
    id: hit._id,
    index: hit._index,
  };
}

/**
 * Every stored document of the alert's session: its flow records (already matched), and whatever shares a key
 * with the alert or them — then, once, whatever shares a key with those (the x509 records of an ssl record's
 * certificates, the uid of a Zeek log found by Community ID).
 */
export async function gatherMembers(
  client: StoreClient,
  index: string,
  keys: SessionKeys,
  span: SessionSpan,
  flows: readonly FlowMember[],
): Promise<SessionMembers> {
  const found = new Map<string, Hit<Doc>>();
  const totals = new Map<string, number>();
  const gathered = emptyKeys();
  let pending = addKeys(gathered, keys);
  for (let round = 0; round < 2 && hasKeys(pending); round++) {
    const query = membersQuery(pending, span);
    if (query === undefined) break;
    const result = await search<Doc, MemberResult['aggregations']>(client, index, membersBody(query));
    const fresh = result.hits.hits.filter((h) => !found.has(`${h._index}/${h._id}`));
    for (const b of result.aggregations.datasets.buckets) {
      // A second round's counts overlap the first's only by documents found twice, which are subtracted below.
      totals.set(String(b.key), (totals.get(String(b.key)) ?? 0) + b.doc_count);
    }
    for (const h of result.hits.hits)
      if (found.has(`${h._index}/${h._id}`)) {
        const dataset = String(at(h._source, 'event', 'dataset'));
        totals.set(dataset, (totals.get(dataset) ?? 0) - 1);
      }
    pending = emptyKeys();
    for (const h of fresh) {
      found.set(`${h._index}/${h._id}`, h);
      const added = addKeys(gathered, keysOf(h._source));
      for (const k of ['sessionIds', 'communityIds', 'certificates'] as const) pending[k].push(...added[k]);
    }
  }
  return summarize(gathered, [...found.values()], totals, flows);
}

function summarize(
  keys: SessionKeys,
  hits: Hit<Doc>[],
  totals: Map<string, number>,
  flows: readonly FlowMember[],
): SessionMembers {
  const lines: SessionMember[] = [];
  const alerts = new Map<string, { member: SessionMember; alert: SessionAlert }>();
  for (const hit of hits) {
    const doc = hit._source;
    const module = str(at(doc, 'event', 'module')) ?? '?';
    if (at(doc, 'event', 'kind') !== 'alert') {
      lines.push(toMember(hit, module, memberKind(doc)));
      continue;
    }
    const key = alertKey(doc);
    const seen = alerts.get(key);
    if (seen) {
      seen.alert.ids.push(hit._id);
      seen.member.copies = seen.alert.ids.length;
      continue;
    }
    const member = toMember(hit, module, 'alert');
    const rule = { id: str(at(doc, 'rule', 'id')), name: str(at(doc, 'rule', 'name')) };
    alerts.set(key, { member, alert: { module, time: member.time, rule, ids: [hit._id] } });
    lines.push(member);
  }
  for (const f of flows) {
    const doc = { ...f.doc, event: { ...f.doc.event, dataset: 'flowtrail.flows' } } as unknown as Doc;
    lines.push({
      time: f.doc['@timestamp'],
      module: f.doc.event?.module ?? '?',
      kind: 'flow',
      line: memberLine(doc),
      id: f.id,
      index: '',
    });
  }
  lines.sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id));
  const timeline = lines.slice(0, TIMELINE_MAX);
  const listed = new Map<string, number>();
  for (const hit of hits) {
    const dataset = String(at(hit._source, 'event', 'dataset'));
    if (timeline.some((m) => m.id === hit._id && m.index === hit._index))
      listed.set(dataset, (listed.get(dataset) ?? 0) + 1);
  }
  // Copies of an alert are listed with their first copy.
  for (const { alert, member } of alerts.values())
    if (timeline.includes(member))
      listed.set('flowtrail.alerts', (listed.get('flowtrail.alerts') ?? 0) + alert.ids.length - 1);
  const datasets = [...totals.entries()]
    .filter(([, count]) => count > 0)
    .map(([dataset, count]) => ({ dataset, count, listed: listed.get(dataset) ?? 0 }));
  if (flows.length > 0)
    datasets.push({
      dataset: 'flowtrail.flows',
      count: flows.length,
      listed: timeline.filter((m) => m.kind === 'flow').length,
    });
  datasets.sort((a, b) => a.dataset.localeCompare(b.dataset));
  const memberCount = datasets.reduce((sum, d) => sum + d.count, 0);
  return {
    keys: { session_ids: keys.sessionIds, community_ids: keys.communityIds, certificates: keys.certificates },
    member_count: memberCount,
    datasets,
    left_out: memberCount - datasets.reduce((sum, d) => sum + d.listed, 0),
    alerts: [...alerts.values()].map((a) => a.alert),
    timeline,
  };
}

/** The session with its flows counted by the store (a match with more flow records than are fetched). */
export function withFlowCount(session: SessionMembers, count: number): SessionMembers {
  const flows = session.datasets.find((d) => d.dataset === 'flowtrail.flows');
  const more = count - (flows?.count ?? 0);
  if (flows === undefined || more <= 0) return session;
  flows.count = count;
  return { ...session, member_count: session.member_count + more, left_out: session.left_out + more };
}
