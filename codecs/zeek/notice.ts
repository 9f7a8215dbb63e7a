import type { AlertFacts } from '../../src/schema/alert.js';
import { CONNECTION_KEYS, direction, microsecondTimestamp, number, protocol, text } from './fields.js';
import { nest, type ZeekRecord } from './values.js';

const MAPPED = new Set(CONNECTION_KEYS);

/** notice.log to alert facts: `note` names the rule, `msg` describes it; `src`/`dst`/`p` stand in for `id.*`. */
export function noticeFacts(record: ZeekRecord, identity: string): AlertFacts {
  const uid = text(record, 'uid');
  const note = text(record, 'note');
  const hasConnection = text(record, 'id.orig_h') !== undefined;
  return {
    module: 'zeek',
    action: 'notice',
    time: microsecondTimestamp(record),
    rule: { name: note, description: text(record, 'msg') },
    protocol: protocol(record),
    sourceIp: text(record, 'id.orig_h') ?? text(record, 'src'),
    sourcePort: hasConnection ? number(record, 'id.orig_p') : undefined,
    destinationIp: text(record, 'id.resp_h') ?? text(record, 'dst'),
    destinationPort: hasConnection ? number(record, 'id.resp_p') : number(record, 'p'),
    flowId: uid,
    communityId: text(record, 'community_id'),
    direction: direction(record),
    outcomeType: 'info',
    extra: {
      zeek: {
        ...(uid !== undefined ? { session_id: uid, session_ids: [uid] } : {}),
        notice: nest(record, MAPPED),
      },
    },
    identity,
  };
}
