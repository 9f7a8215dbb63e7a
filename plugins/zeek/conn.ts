import type { FlowFacts } from '../../src/schema/flow.js';
import { jsonNumber, jsonString, RawJson } from '../../src/schema/json.js';
import { ParseError } from '../logfile/parser.js';
import { CONN_STATE_MESSAGES } from './conn-state.js';
import { CONNECTION_KEYS, direction, protocol, timestamp } from './fields.js';
import { nestJson, type ZeekRecord } from './values.js';

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
const asText = (value: unknown) => (typeof value === 'string' ? value : undefined);
const asNumber = (value: unknown) => (typeof value === 'number' ? value : undefined);

export function connFacts(record: ZeekRecord, identity: string): FlowFacts {
  // Every field is read at a site of its own rather than through a shared `text(record, key)`, whose one
  // keyed load, seeing every field name, is megamorphic and several times slower.
  const {
    uid: uidValue,
    'id.orig_h': origHost,
    'id.resp_h': respHost,
    'id.orig_p': origPort,
    'id.resp_p': respPort,
    duration,
    conn_state: stateValue,
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
  if (proto === undefined || sourceIp === undefined || destinationIp === undefined) {
    throw new ParseError('zeek conn: missing proto or endpoint address');
  }
  const seconds = asNumber(duration);
  const uid = asText(uidValue);
  const state = asText(stateValue);
  const sourcePort = asNumber(origPort);
  const destinationPort = asNumber(respPort);
  // `zeek.connection` is written straight to JSON (see nestJson): the members added to the log's own fields.
  let members = '';
  if (state !== undefined) {
    members = `"state":${jsonString(state)}`;
    const message = CONN_STATE_MESSAGES[state];
    if (message !== undefined) members += `,"state_message":${jsonString(message)}`;
  }
  if ((proto === 1 || proto === 58) && sourcePort !== undefined) {
    const icmp =
      destinationPort === undefined
        ? `"icmp":{"type":${jsonNumber(sourcePort)}}`
        : `"icmp":{"type":${jsonNumber(sourcePort)},"code":${jsonNumber(destinationPort)}}`;
    members = members === '' ? icmp : `${members},${icmp}`;
  }
  const connection = nestJson(record, MAPPED, members);
  return {
    module: 'zeek',
    action: 'zeek_connection',
    protocol: proto,
    sourceIp,
    destinationIp,
    sourcePort,
    destinationPort,
    sourceMac: asText(origMac),
    destinationMac: asText(respMac),
    bytes: asNumber(origBytes),
    packets: asNumber(origPackets),
    reverseBytes: asNumber(respBytes),
    reversePackets: asNumber(respPackets),
    start,
    end: seconds === undefined ? undefined : start + seconds * 1000,
    durationNs: seconds === undefined ? undefined : Math.round(seconds * 1e9),
    sourceIsInitiator: true,
    vlanId: asNumber(vlan),
    flowId: uid,
    communityId: asText(communityId),
    direction: direction(record),
    applicationProtocol: asText(service),
    extra: {
      zeek: new RawJson(
        uid !== undefined
          ? `{"session_id":${jsonString(uid)},"connection":${connection}}`
          : `{"connection":${connection}}`,
      ),
    },
    identity: uid ?? identity,
  };
}
