import type { FlowFacts } from '../../src/schema/flow.js';
import { ParseError } from '../logfile/parser.js';
import { CONN_STATE_MESSAGES } from './conn-state.js';
import { CONNECTION_KEYS, direction, number, protocol, text, timestamp } from './fields.js';
import { nest, type ZeekRecord } from './values.js';

/** Mapped to ECS flow fields, so not repeated under `zeek.connection`. */
const MAPPED = new Set([
  ...CONNECTION_KEYS,
  'service',
  'duration',
  'conn_state',
  'orig_pkts',
  'resp_pkts',
  'orig_ip_bytes',
  'resp_ip_bytes',
  'orig_l2_addr',
  'resp_l2_addr',
  'vlan',
  'ip_proto',
]);

/**
 * conn.log to flow facts. Bytes are the IP-level counts (`orig_ip_bytes`), as NetFlow counts them and as
 * Elastic's Zeek integration maps `source.bytes`; the payload counts stay in `zeek.connection.orig_bytes`.
 */
export function connFacts(record: ZeekRecord, identity: string): FlowFacts {
  const start = timestamp(record);
  const proto = protocol(record);
  const sourceIp = text(record, 'id.orig_h');
  const destinationIp = text(record, 'id.resp_h');
  if (proto === undefined || sourceIp === undefined || destinationIp === undefined) {
    throw new ParseError('zeek conn: missing proto or endpoint address');
  }
  const seconds = number(record, 'duration');
  const uid = text(record, 'uid');
  const state = text(record, 'conn_state');
  const connection = nest(record, MAPPED);
  if (state !== undefined) {
    connection.state = state;
    const message = CONN_STATE_MESSAGES[state];
    if (message !== undefined) connection.state_message = message;
  }
  const sourcePort = number(record, 'id.orig_p');
  const destinationPort = number(record, 'id.resp_p');
  if ((proto === 1 || proto === 58) && sourcePort !== undefined) {
    connection.icmp = { type: sourcePort, code: destinationPort };
  }
  const vlan = number(record, 'vlan');
  return {
    module: 'zeek',
    action: 'zeek_connection',
    protocol: proto,
    sourceIp,
    destinationIp,
    sourcePort,
    destinationPort,
    sourceMac: text(record, 'orig_l2_addr'),
    destinationMac: text(record, 'resp_l2_addr'),
    bytes: number(record, 'orig_ip_bytes'),
    packets: number(record, 'orig_pkts'),
    reverseBytes: number(record, 'resp_ip_bytes'),
    reversePackets: number(record, 'resp_pkts'),
    start,
    end: seconds === undefined ? undefined : start + seconds * 1000,
    durationNs: seconds === undefined ? undefined : Math.round(seconds * 1e9),
    sourceIsInitiator: true,
    vlanId: vlan,
    flowId: uid,
    communityId: text(record, 'community_id'),
    direction: direction(record),
    applicationProtocol: text(record, 'service'),
    extra: { zeek: { ...(uid !== undefined ? { session_id: uid } : {}), connection } },
    identity: uid ?? identity,
  };
}
