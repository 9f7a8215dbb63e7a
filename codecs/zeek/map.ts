import type { StreamInfo } from '../../src/codec/types.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { toAlertRecord } from '../../src/schema/alert.js';
import { toEventRecord } from '../../src/schema/event.js';
import { type FlowFacts, toFlowRecord } from '../../src/schema/flow.js';
import { connFacts } from './conn.js';
import { ecsFields, profile } from './ecs-fields.js';
import { CONNECTION_KEYS, list, microsecondTimestamp, number, protocol, text } from './fields.js';
import { noticeFacts } from './notice.js';
import { nest, type ZeekRecord } from './values.js';

const MAPPED = new Set(CONNECTION_KEYS);

/** A log without `#path`/`_path` (plain JSON logs) is known by its fields. */
export function guessLog(record: ZeekRecord): string | undefined {
  if ('conn_state' in record || 'orig_ip_bytes' in record) return 'conn';
  if ('note' in record) return 'notice';
  if ('qtype_name' in record || 'query' in record) return 'dns';
  if ('name' in record && 'notice' in record) return 'weird';
  return undefined;
}

/**
 * The connections a record belongs to, one field to search them by: its own uid, and the uids of the connections
 * a files record's file travelled over (`conn_uids`, before Zeek 5 the only link a files record had).
 */
function sessionIds(uid: string | undefined, record: ZeekRecord): string[] {
  const ids = uid === undefined ? [] : [uid];
  for (const id of list(record, 'conn_uids') ?? [])
    if (typeof id === 'string' && !ids.includes(id)) ids.push(id);
  return ids;
}

/** Every log other than conn and notice becomes a document of its own dataset, `flowtrail.zeek_<log>`. */
function eventRecord(log: string, record: ZeekRecord, identity: string, deps: StreamInfo): PipelineRecord {
  const p = profile(log);
  const uid = text(record, 'uid');
  const namespace: Record<string, unknown> = { [log]: nest(record, MAPPED) };
  if (uid !== undefined) namespace.session_id = uid;
  const sessions = sessionIds(uid, record);
  if (sessions.length > 0) namespace.session_ids = sessions;
  const fields = ecsFields(p, record);
  fields.zeek = namespace;
  return toEventRecord(
    {
      dataset: `flowtrail.zeek_${log}`,
      module: 'zeek',
      action: log === 'weird' ? (text(record, 'name') ?? log) : log,
      category: p.category,
      type: p.type,
      time: microsecondTimestamp(record),
      protocol: protocol(record),
      sourceIp: text(record, 'id.orig_h'),
      sourcePort: number(record, 'id.orig_p'),
      destinationIp: text(record, 'id.resp_h'),
      destinationPort: number(record, 'id.resp_p'),
      communityId: text(record, 'community_id'),
      flowId: uid,
      applicationProtocol: p.protocol,
      fields,
      identity,
    },
    { localNetworks: deps.localNetworks, now: deps.now() },
  );
}

export function connRecord(facts: FlowFacts, deps: StreamInfo): PipelineRecord {
  return toFlowRecord(facts, { localNetworks: deps.localNetworks, now: deps.now() });
}

export function mapZeek(log: string, record: ZeekRecord, identity: string, deps: StreamInfo): PipelineRecord {
  switch (log) {
    case 'conn':
      return connRecord(connFacts(record, identity), deps);
    case 'notice':
      return toAlertRecord(noticeFacts(record, identity), {
        localNetworks: deps.localNetworks,
        now: deps.now(),
      });
    default:
      return eventRecord(log, record, identity, deps);
  }
}
