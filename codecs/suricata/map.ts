import type { StreamInfo } from '../../src/codec/types.js';
import { ParseError } from '../../src/errors.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { toAlertRecord } from '../../src/schema/alert.js';
import { type EventFacts, toEventRecord } from '../../src/schema/event.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { ecsMac } from '../../src/schema/mac.js';
import { mergeInto } from '../../src/schema/merge.js';
import { protocolNumber } from '../../src/schema/protocols.js';
import { applicationFields } from './ecs-fields.js';
import { type Eve, num, object, parseEveTime, str } from './eve.js';

/** Top-level EVE keys that become ECS fields and are not repeated under `suricata.eve`. */
const MAPPED = new Set([
  'timestamp',
  'src_ip',
  'src_port',
  'dest_ip',
  'dest_port',
  'proto',
  'community_id',
  'flow_id',
  'app_proto',
  'host',
]);

/** What every EVE event type shares, in the shape the event mapper takes. */
type Common = Pick<
  EventFacts,
  | 'time'
  | 'protocol'
  | 'sourceIp'
  | 'sourcePort'
  | 'destinationIp'
  | 'destinationPort'
  | 'communityId'
  | 'flowId'
  | 'applicationProtocol'
>;

function common(eve: Eve, flowId: string | undefined): Common {
  const time = parseEveTime(eve.timestamp);
  if (time === undefined) throw new ParseError('suricata eve: missing or invalid timestamp');
  const proto = str(eve.proto) ?? (typeof eve.proto === 'number' ? String(eve.proto) : undefined);
  const appProto = str(eve.app_proto);
  return {
    time,
    protocol: proto === undefined ? undefined : protocolNumber(proto),
    sourceIp: str(eve.src_ip),
    sourcePort: num(eve.src_port),
    destinationIp: str(eve.dest_ip),
    destinationPort: num(eve.dest_port),
    communityId: str(eve.community_id),
    flowId,
    applicationProtocol: appProto === 'failed' ? undefined : appProto,
  };
}

function namespace(eve: Eve, flowId: string | undefined): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const key in eve) if (!MAPPED.has(key)) rest[key] = eve[key];
  if (flowId !== undefined) rest.flow_id = flowId;
  return { suricata: { eve: rest } };
}

function observer(eve: Eve): Record<string, unknown> {
  const value: Record<string, unknown> = { type: 'ids', vendor: 'OISF', product: 'Suricata' };
  const host = str(eve.host);
  if (host !== undefined) value.hostname = host;
  const iface = str(eve.in_iface);
  if (iface !== undefined) value.ingress = { interface: { name: iface } };
  return { observer: value };
}

function macs(eve: Eve): Record<string, unknown> {
  const ether = object(eve.ether);
  const out: Record<string, unknown> = {};
  const src = str(ether?.src_mac);
  const dst = str(ether?.dest_mac);
  if (src !== undefined) out.source = { mac: ecsMac(src) };
  if (dst !== undefined) out.destination = { mac: ecsMac(dst) };
  return out;
}

function alertRecord(eve: Eve, c: Common, identity: string, deps: StreamInfo): PipelineRecord {
  const alert = object(eve.alert) ?? {};
  const blocked = str(alert.action) === 'blocked';
  const signatureId = num(alert.signature_id);
  const rev = num(alert.rev);
  // The facts are spelled out rather than `{ ...c, more }`: that spread took V8's generic clone path on every
  // event and cost more than parsing the line.
  const record = toAlertRecord(
    {
      time: c.time,
      protocol: c.protocol,
      sourceIp: c.sourceIp,
      sourcePort: c.sourcePort,
      destinationIp: c.destinationIp,
      destinationPort: c.destinationPort,
      communityId: c.communityId,
      flowId: c.flowId,
      module: 'suricata',
      action: blocked ? 'blocked' : 'alert',
      rule: {
        id: signatureId === undefined ? undefined : String(signatureId),
        name: str(alert.signature),
        category: str(alert.category),
        version: rev === undefined ? undefined : String(rev),
      },
      severity: num(alert.severity),
      outcomeType: blocked ? 'denied' : 'allowed',
      identity,
    },
    { localNetworks: deps.localNetworks, now: deps.now() },
  );
  // One merge per part (their top-level keys are apart) instead of spreading them into one object first.
  mergeInto(record.doc, applicationFields(eve));
  mergeInto(record.doc, observer(eve));
  mergeInto(record.doc, namespace(eve, c.flowId));
  mergeInto(record.doc, macs(eve));
  return record;
}

/** `flow` events are bidirectional (to-server is the initiator's side); `netflow` events are one direction each. */
function flowRecord(eve: Eve, c: Common, identity: string, deps: StreamInfo): PipelineRecord {
  if (c.protocol === undefined || c.sourceIp === undefined || c.destinationIp === undefined) {
    throw new ParseError('suricata eve: flow without protocol or addresses');
  }
  const bidirectional = eve.event_type === 'flow';
  const flow = object(bidirectional ? eve.flow : eve.netflow) ?? {};
  const tcpFlags = str(object(eve.tcp)?.tcp_flags);
  const ether = object(eve.ether);
  const sourceMac = str(ether?.src_mac);
  const destinationMac = str(ether?.dest_mac);
  // Everything goes in through the facts, so that the flow document is written once, straight to JSON.
  return toFlowRecord(
    {
      module: 'suricata',
      action: bidirectional ? 'suricata_flow' : 'suricata_netflow',
      protocol: c.protocol,
      sourceIp: c.sourceIp,
      destinationIp: c.destinationIp,
      sourcePort: c.sourcePort,
      destinationPort: c.destinationPort,
      sourceMac: sourceMac === undefined ? undefined : ecsMac(sourceMac),
      destinationMac: destinationMac === undefined ? undefined : ecsMac(destinationMac),
      bytes: num(bidirectional ? flow.bytes_toserver : flow.bytes),
      packets: num(bidirectional ? flow.pkts_toserver : flow.pkts),
      reverseBytes: bidirectional ? num(flow.bytes_toclient) : undefined,
      reversePackets: bidirectional ? num(flow.pkts_toclient) : undefined,
      start: parseEveTime(flow.start),
      end: parseEveTime(flow.end),
      tcpFlags: tcpFlags === undefined ? undefined : Number.parseInt(tcpFlags, 16),
      sourceIsInitiator: bidirectional,
      // The sensor's name where EVE carries it, so that two sensors on one link count as two observers.
      observerId: str(eve.host) ?? 'suricata',
      flowId: c.flowId,
      communityId: c.communityId,
      applicationProtocol: c.applicationProtocol,
      extra: Object.assign(observer(eve), namespace(eve, c.flowId)),
      identity,
    },
    { localNetworks: deps.localNetworks, now: deps.now() },
  );
}

const CATEGORIES: Record<string, { category: string[]; type: string[]; kind?: 'metric' }> = {
  http: { category: ['network', 'web'], type: ['access', 'protocol'] },
  fileinfo: { category: ['network', 'file'], type: ['info'] },
  stats: { category: ['network'], type: ['info'], kind: 'metric' },
  anomaly: { category: ['network'], type: ['info'] },
};

/** Addresses a DNS answer resolved to are as related to the event as its endpoints. */
function addResolvedIps(doc: Record<string, unknown>, app: Record<string, unknown>): void {
  const resolved = (object(app.dns)?.resolved_ip as string[] | undefined) ?? [];
  if (resolved.length === 0) return;
  if (doc.related === undefined) doc.related = { ip: [] };
  const related = doc.related as { ip: string[] };
  for (const ip of resolved) if (!related.ip.includes(ip)) related.ip.push(ip);
}

function eventRecord(eve: Eve, c: Common, identity: string, deps: StreamInfo): PipelineRecord {
  const type = eve.event_type as string;
  const profile = CATEGORIES[type] ?? { category: ['network'], type: ['protocol'] };
  const app = applicationFields(eve);
  // Spelled out rather than `{ ...c, more }`: see alertRecord.
  const record = toEventRecord(
    {
      time: c.time,
      protocol: c.protocol,
      sourceIp: c.sourceIp,
      sourcePort: c.sourcePort,
      destinationIp: c.destinationIp,
      destinationPort: c.destinationPort,
      communityId: c.communityId,
      flowId: c.flowId,
      dataset: `flowtrail.suricata_${type}`,
      module: 'suricata',
      action: type,
      kind: profile.kind,
      category: profile.category,
      type: profile.type,
      applicationProtocol: c.applicationProtocol ?? (CATEGORIES[type] === undefined ? type : undefined),
      // `app` is this event's own object, and the three have no top-level key in common.
      fields: Object.assign(app, observer(eve), namespace(eve, c.flowId)),
      identity,
    },
    { localNetworks: deps.localNetworks, now: deps.now() },
  );
  mergeInto(record.doc, macs(eve));
  addResolvedIps(record.doc, app);
  return record;
}

export function mapEve(
  eve: Eve,
  flowId: string | undefined,
  identity: string,
  deps: StreamInfo,
): PipelineRecord {
  const c = common(eve, flowId);
  switch (eve.event_type) {
    case 'alert':
      return alertRecord(eve, c, identity, deps);
    case 'flow':
    case 'netflow':
      return flowRecord(eve, c, identity, deps);
    default:
      return eventRecord(eve, c, identity, deps);
  }
}
