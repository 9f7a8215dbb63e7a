import { ParseError } from '../../src/errors.js';
import { CONN_STATE_MESSAGES } from '../../src/schema/conn-state.js';
import type { FlowFacts } from '../../src/schema/flow.js';
import { jsonNumber, jsonString, RawJson } from '../../src/schema/json.js';
import type { Direction } from '../../src/schema/locality.js';
import { CONNECTION_KEYS, direction, protocol, timestamp } from './fields.js';
import { nestJson, type ZeekRecord } from './values.js';

/** Mapped to ECS flow fields, so not repeated under `zeek.connection`. */
export const MAPPED = new Set([
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

export const CONN_MODULE = 'zeek';
export const CONN_ACTION = 'zeek_connection';

/** The conn.log fields a flow is made of, read from a record (`recordFields`) or straight from a TSV line. */
export interface ConnFields {
  /** `ts`, epoch ms. */
  start: number;
  protocol: number;
  sourceIp: string;
  destinationIp: string;
  sourcePort: number | undefined;
  destinationPort: number | undefined;
  /** Seconds. */
  duration: number | undefined;
  uid: string | undefined;
  state: string | undefined;
  sourceMac: string | undefined;
  destinationMac: string | undefined;
  bytes: number | undefined;
  packets: number | undefined;
  reverseBytes: number | undefined;
  reversePackets: number | undefined;
  vlanId: number | undefined;
  communityId: string | undefined;
  service: string | undefined;
  direction: Direction | undefined;
}

export function missingEndpoint(): ParseError {
  return new ParseError('zeek conn: missing proto or endpoint address');
}

const asText = (value: unknown) => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown) => (typeof value === 'number' ? value : undefined);

export function recordFields(record: ZeekRecord): ConnFields {
  // Every field is read at a site of its own rather than through a shared `text(record, key)`, whose one
  // keyed load, seeing every field name, is megamorphic and several times slower.
  const {
    uid,
    'id.orig_h': origHost,
    'id.resp_h': respHost,
    'id.orig_p': origPort,
    'id.resp_p': respPort,
    duration,
    conn_state: state,
    orig_l2_addr: origMac,
    resp_l2_addr: respMac,
    orig_ip_bytes: origBytes,
    orig_pkts: origPackets,
    resp_ip_bytes: respBytes,
    resp_pkts: respPackets,
    vlan,
    community_id: communityId,
    service,
  } = record;
  const start = timestamp(record);
  const proto = protocol(record);
  const sourceIp = asText(origHost);
  const destinationIp = asText(respHost);
  if (proto === undefined || sourceIp === undefined || destinationIp === undefined) throw missingEndpoint();
  return {
    start,
    protocol: proto,
    sourceIp,
    destinationIp,
    sourcePort: asNumber(origPort),
    destinationPort: asNumber(respPort),
    duration: asNumber(duration),
    uid: asText(uid),
    state: asText(state),
    sourceMac: asText(origMac),
    destinationMac: asText(respMac),
    bytes: asNumber(origBytes),
    packets: asNumber(origPackets),
    reverseBytes: asNumber(respBytes),
    reversePackets: asNumber(respPackets),
    vlanId: asNumber(vlan),
    communityId: asText(communityId),
    service: asText(service),
    direction: direction(record),
  };
}

/**
 * The text of the `zeek` namespace of a conn.log flow around its values: the native mapper is handed it, so it is
 * written here only.
 */
export const CONNECTION_TEXT = {
  sessionId: '{"session_id":',
  connection: ',"connection":',
  connectionOnly: '{"connection":',
  state: '"state":',
  stateMessage: ',"state_message":',
  icmpType: '"icmp":{"type":',
  icmpCode: ',"code":',
} as const;

/** The key of flowtrail's Zeek fields in a flow document. */
export const CONN_NAMESPACE = 'zeek';

/** `"state":…,"state_message":…` of each state Zeek documents, written once. */
export const STATE_MEMBERS = new Map(
  Object.entries(CONN_STATE_MESSAGES).map(([state, message]) => [
    state,
    `${CONNECTION_TEXT.state}${jsonString(state)}${CONNECTION_TEXT.stateMessage}${jsonString(message)}`,
  ]),
);

/**
 * The members flowtrail adds to `zeek.connection` (JSON members, `"a":1,"b":2`), which come before the log's own
 * fields: the state's message, as Elastic's integration words it, and ICMP type and code.
 */
export function addedMembers(c: ConnFields): string {
  let members = '';
  if (c.state !== undefined)
    members = STATE_MEMBERS.get(c.state) ?? `${CONNECTION_TEXT.state}${jsonString(c.state)}`;
  if ((c.protocol === 1 || c.protocol === 58) && c.sourcePort !== undefined) {
    const icmp =
      c.destinationPort === undefined
        ? `${CONNECTION_TEXT.icmpType}${jsonNumber(c.sourcePort)}}`
        : `${CONNECTION_TEXT.icmpType}${jsonNumber(c.sourcePort)}${CONNECTION_TEXT.icmpCode}${jsonNumber(c.destinationPort)}}`;
    members = members === '' ? icmp : `${members},${icmp}`;
  }
  return members;
}

/**
 * conn.log to flow facts. Bytes are the IP-level counts (`orig_ip_bytes`), as NetFlow counts them and as
 * Elastic's Zeek integration maps `source.bytes`; the payload counts stay in `zeek.connection.orig_bytes`.
 * `connection` is `zeek.connection` as JSON; `identity` stands in for a missing uid.
 */
export function connFlowFacts(c: ConnFields, connection: string, identity: string): FlowFacts {
  const { start, duration, uid } = c;
  return {
    module: CONN_MODULE,
    action: CONN_ACTION,
    protocol: c.protocol,
    sourceIp: c.sourceIp,
    destinationIp: c.destinationIp,
    sourcePort: c.sourcePort,
    destinationPort: c.destinationPort,
    sourceMac: c.sourceMac,
    destinationMac: c.destinationMac,
    bytes: c.bytes,
    packets: c.packets,
    reverseBytes: c.reverseBytes,
    reversePackets: c.reversePackets,
    start,
    end: duration === undefined ? undefined : start + duration * 1000,
    durationNs: duration === undefined ? undefined : Math.round(duration * 1e9),
    sourceIsInitiator: true,
    vlanId: c.vlanId,
    flowId: uid,
    communityId: c.communityId,
    direction: c.direction,
    applicationProtocol: c.service,
    extra: {
      [CONN_NAMESPACE]: new RawJson(
        uid !== undefined
          ? `${CONNECTION_TEXT.sessionId}${jsonString(uid)}${CONNECTION_TEXT.connection}${connection}}`
          : `${CONNECTION_TEXT.connectionOnly}${connection}}`,
      ),
    },
    identity: uid ?? identity,
  };
}

export function connFacts(record: ZeekRecord, identity: string): FlowFacts {
  const c = recordFields(record);
  return connFlowFacts(c, nestJson(record, MAPPED, addedMembers(c)), identity);
}
