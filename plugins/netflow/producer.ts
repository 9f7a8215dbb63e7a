import { type FlowFacts, isFlowTime } from '../../src/schema/flow.js';
import { jsonNumber, jsonString, RawJson } from '../../src/schema/json.js';
import { applicationName, observedInterface } from './decode/option-names.js';
import { type CompiledTemplate, FIELD_DATE, FIELD_PADDING, type FieldValue } from './decode/template.js';
import type { DecodedRecord, PacketInfo } from './decode/types.js';

/** An options record (exporter statistics, sampler configuration…), in Filebeat's `netflow.{scope,options}` shape. */
export interface NetflowOptionsRecord {
  exporter: string;
  port: number;
  version: number;
  domainId: number;
  exportTime: number;
  scope: Record<string, unknown>;
  options: Record<string, unknown>;
}

export interface ProducedRecords {
  flows: FlowFacts[];
  options: NetflowOptionsRecord[];
  /** Flow records that name no source/destination address (NAT pool events, exporter counters sent as data). */
  addressless: number;
  /**
   * Flow records left out because a start or end time is outside what a document can hold (`isFlowTime`): a
   * corrupted datagram, or an exporter whose clock or time fields are wrong.
   */
  invalidTime: number;
}

/** Why `toFlowFacts` made no flow of a data record. */
export type NoFlow = 'addressless' | 'invalid-time';

const TWO_32 = 4294967296;
const ICMP = 1;
const ICMPV6 = 58;
const TCP = 6;

function num(values: FieldValue[], index: number): number | undefined {
  if (index < 0) return undefined;
  const value = values[index];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function str(values: FieldValue[], index: number): string | undefined {
  if (index < 0) return undefined;
  const value = values[index];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

let lastMs = Number.NaN;
let lastIso = '';

/** Records of one packet share export time and often flow times: the last conversion is reused. */
function isoOrNumber(ms: number): string | number {
  if (ms === lastMs) return lastIso;
  if (!(Number.isFinite(ms) && Math.abs(ms) <= 8.64e15)) return ms;
  lastMs = ms;
  lastIso = new Date(ms).toISOString();
  return lastIso;
}

/**
 * A sysUpTime-relative timestamp (ms) as epoch ms. v9/v5 carry the uptime at export in the header; the signed
 * 32-bit difference keeps flows right when the uptime counter wrapped between flow and export (softflowd reading
 * a capture file sends such times; collectors that subtract unsigned put them 49.7 days off). IPFIX has no
 * header uptime: the base is systemInitTimeMilliseconds from options data, and the multiple of 2^32 ms that puts
 * the flow nearest the export time is chosen for the same reason.
 */
function fromUptime(p: PacketInfo, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (p.sysUptime >= 0) return p.exportTime - ((p.sysUptime - value) | 0);
  const init = p.domain.systemInitMs;
  if (init < 0) return undefined;
  const base = init + value;
  return base + Math.round((p.exportTime - base) / TWO_32) * TWO_32;
}

/** The record's start and end, or undefined when either is not a time a flow document can hold. */
function flowTimes(r: DecodedRecord): { start?: number; end?: number } | undefined {
  const v = r.values;
  const at = r.template.at;
  const p = r.packet;
  const delta = (i: number) => {
    const micros = num(v, i);
    return micros === undefined ? undefined : p.exportTime - micros / 1000;
  };
  let end =
    num(v, at.endMillis) ??
    num(v, at.endMicros) ??
    num(v, at.endNanos) ??
    num(v, at.endSeconds) ??
    fromUptime(p, num(v, at.endUptime)) ??
    delta(at.endDeltaMicros);
  let start =
    num(v, at.startMillis) ??
    num(v, at.startMicros) ??
    num(v, at.startNanos) ??
    num(v, at.startSeconds) ??
    fromUptime(p, num(v, at.startUptime)) ??
    delta(at.startDeltaMicros);
  const duration = num(v, at.durationMillis) ?? (num(v, at.durationMicros) ?? Number.NaN) / 1000;
  if (Number.isFinite(duration)) {
    if (start === undefined && end !== undefined) start = end - duration;
    else if (end === undefined && start !== undefined) end = start + duration;
  }
  // Records without any time (NAT events, some firewalls) are dated by the export that carried them.
  if (start === undefined && end === undefined) end = p.exportTime;
  if ((start !== undefined && !isFlowTime(start)) || (end !== undefined && !isFlowTime(end)))
    return undefined;
  return { start, end };
}

/** Keys of the namespace written before and after the template's fields. */
const NAMESPACE_KEYS = new Set(['type', 'exporter', 'sampling_rate']);

/**
 * Per template, `,"<name>":` for each field, written once: the namespace of every record is then written straight
 * as JSON. Undefined for templates that repeat a name (padding aside) or use one of `NAMESPACE_KEYS`: their records go through
 * an object so that the last value wins as it does there.
 */
const fieldKeys = new WeakMap<CompiledTemplate, string[] | null>();

function keysOf(t: CompiledTemplate): string[] | undefined {
  let keys = fieldKeys.get(t);
  if (keys === undefined) {
    const names = t.info.map((info) => info.snake);
    const written = names.filter((_, i) => t.output[i] !== FIELD_PADDING);
    keys =
      new Set(written).size === written.length && !written.some((name) => NAMESPACE_KEYS.has(name))
        ? names.map((name) => `,${jsonString(name)}:`)
        : null;
    fieldKeys.set(t, keys);
  }
  return keys ?? undefined;
}

function valueJson(value: number | string | boolean): string {
  if (typeof value === 'number') return jsonNumber(value);
  if (typeof value === 'string') return jsonString(value);
  return value ? 'true' : 'false';
}

/** The `netflow` namespace of a flow record as JSON, as `JSON.stringify` would write `namespace` + `fillFields`. */
function namespaceJson(r: DecodedRecord, keys: string[], rate: number): RawJson {
  const p = r.packet;
  const t = r.template;
  const values = r.values;
  const output = t.output;
  const timestamp = isoOrNumber(p.exportTime);
  let json = `{"type":"netflow_flow","exporter":{"address":${jsonString(`${p.exporter}:${p.port}`)},"source_id":${p.domainId},"version":${p.version},"timestamp":${valueJson(timestamp)},"uptime_millis":${Math.max(p.sysUptime, 0)}}`;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const kind = output[i];
    if (value === undefined || kind === FIELD_PADDING) continue;
    json += keys[i];
    json += valueJson(kind === FIELD_DATE && typeof value === 'number' ? isoOrNumber(value) : value);
  }
  if (rate !== 1) json += `,"sampling_rate":${jsonNumber(rate)}`;
  return new RawJson(`${json}}`);
}

function namespace(r: DecodedRecord, type: string): Record<string, unknown> {
  const p = r.packet;
  return {
    type,
    exporter: {
      address: `${p.exporter}:${p.port}`,
      source_id: p.domainId,
      version: p.version,
      timestamp: isoOrNumber(p.exportTime),
      uptime_millis: Math.max(p.sysUptime, 0),
    },
  };
}

function fillFields(
  t: CompiledTemplate,
  values: FieldValue[],
  from: number,
  to: number,
  into: Record<string, unknown>,
) {
  const output = t.output;
  const info = t.info;
  for (let i = from; i < to; i++) {
    const value = values[i];
    const kind = output[i];
    if (value === undefined || kind === FIELD_PADDING) continue;
    into[info[i].snake] = kind === FIELD_DATE && typeof value === 'number' ? isoOrNumber(value) : value;
  }
}

/** ICMP type and code as NetFlow reports them: dedicated elements, else packed into the destination port. */
function icmpTypeCode(
  r: DecodedRecord,
  protocol: number,
  dstPort: number | undefined,
): [number, number] | undefined {
  const v = r.values;
  const at = r.template.at;
  const packed = protocol === ICMP ? num(v, at.icmpTypeCode4) : num(v, at.icmpTypeCode6);
  if (packed !== undefined) return [packed >> 8, packed & 0xff];
  const type = protocol === ICMP ? num(v, at.icmpType4) : num(v, at.icmpType6);
  const code = protocol === ICMP ? num(v, at.icmpCode4) : num(v, at.icmpCode6);
  if (type !== undefined) return [type, code ?? 0];
  if (dstPort !== undefined) return [dstPort >> 8, dstPort & 0xff];
  return undefined;
}

/** A decoded data record as flow facts, or why it makes none. */
export function toFlowFacts(r: DecodedRecord): FlowFacts | NoFlow {
  const v = r.values;
  const t = r.template;
  const at = t.at;
  const sourceIp = str(v, at.srcIpv4) ?? str(v, at.srcIpv6);
  const destinationIp = str(v, at.dstIpv4) ?? str(v, at.dstIpv6);
  if (sourceIp === undefined || destinationIp === undefined) return 'addressless';
  const times = flowTimes(r);
  if (times === undefined) return 'invalid-time';
  const { start, end } = times;
  const p = r.packet;
  const rate = r.samplingRate;
  const protocol = num(v, at.protocol) ?? 0;
  let sourcePort = num(v, at.srcPort);
  let destinationPort = num(v, at.dstPort);
  if (protocol === ICMP || protocol === ICMPV6) {
    const typeCode = icmpTypeCode(r, protocol, destinationPort);
    if (typeCode) [sourcePort, destinationPort] = typeCode;
  }
  const keys = keysOf(t);
  let netflow: RawJson | Record<string, unknown>;
  if (keys) {
    netflow = namespaceJson(r, keys, rate);
  } else {
    netflow = namespace(r, 'netflow_flow');
    fillFields(t, v, 0, v.length, netflow);
    if (rate !== 1) netflow.sampling_rate = rate;
  }
  // Only defined properties are set (deleting undefined ones afterwards made every object a slow dictionary).
  const facts: FlowFacts = {
    module: 'netflow',
    action: 'netflow_flow',
    input: 'netflow',
    protocol,
    sourceIp,
    destinationIp,
    identity: `${p.exporter}:${p.port}/${p.version}/${p.domainId}/${p.sequence}/${r.index}`,
  };
  if (sourcePort !== undefined) facts.sourcePort = sourcePort;
  if (destinationPort !== undefined) facts.destinationPort = destinationPort;
  const bytes = num(v, at.octetDelta) ?? num(v, at.octetTotal) ?? num(v, at.initiatorOctets);
  if (bytes !== undefined) facts.bytes = bytes * rate;
  const packets = num(v, at.packetDelta) ?? num(v, at.packetTotal) ?? num(v, at.initiatorPackets);
  if (packets !== undefined) facts.packets = packets * rate;
  const reverseBytes =
    num(v, at.reverseOctetDelta) ?? num(v, at.reverseOctetTotal) ?? num(v, at.responderOctets);
  if (reverseBytes !== undefined) facts.reverseBytes = reverseBytes * rate;
  const reversePackets =
    num(v, at.reversePacketDelta) ?? num(v, at.reversePacketTotal) ?? num(v, at.responderPackets);
  if (reversePackets !== undefined) facts.reversePackets = reversePackets * rate;
  const sourceMac = str(v, at.srcMac) ?? str(v, at.postSrcMac);
  if (sourceMac !== undefined) facts.sourceMac = sourceMac;
  const destinationMac = str(v, at.dstMac) ?? str(v, at.postDstMac);
  if (destinationMac !== undefined) facts.destinationMac = destinationMac;
  if (start !== undefined) facts.start = start;
  if (end !== undefined) facts.end = end;
  facts.observer = { ip: p.exporter };
  // ifIndex 0 stands for none (traffic to the router itself, dropped traffic): not an interface to name.
  const ingress = num(v, at.ingressInterface);
  if (ingress) facts.observer.ingress = { interface: observedInterface(p.domain, ingress) };
  const egress = num(v, at.egressInterface);
  if (egress) facts.observer.egress = { interface: observedInterface(p.domain, egress) };
  if (at.applicationId >= 0) {
    const application = applicationName(p.domain, v[at.applicationId]);
    if (application !== undefined) facts.application = application;
  }
  facts.observerId = `${p.exporter}:${p.port}`;
  facts.extra = { netflow };
  const tcpFlags = num(v, at.tcpFlags);
  if (tcpFlags !== undefined && protocol === TCP) facts.tcpFlags = tcpFlags & 0x1ff;
  const vlan = num(v, at.vlan) || num(v, at.dot1qVlan);
  if (vlan) facts.vlanId = vlan;
  if (num(v, at.biflowDirection) === 1) facts.sourceIsInitiator = true;
  const flowId = num(v, at.flowId);
  if (flowId !== undefined) facts.flowId = String(flowId);
  return facts;
}

export function toOptionsRecord(r: DecodedRecord): NetflowOptionsRecord {
  const t = r.template;
  const scope: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  fillFields(t, r.values, 0, t.scopeCount, scope);
  fillFields(t, r.values, t.scopeCount, r.values.length, options);
  const p = r.packet;
  return {
    exporter: p.exporter,
    port: p.port,
    version: p.version,
    domainId: p.domainId,
    exportTime: p.exportTime,
    scope,
    options,
  };
}

/** Splits decoded records into flows (as FlowFacts) and options records (already applied to sampling state). */
export function produce(records: DecodedRecord[]): ProducedRecords {
  const flows: FlowFacts[] = [];
  const options: NetflowOptionsRecord[] = [];
  let addressless = 0;
  let invalidTime = 0;
  for (const r of records) {
    if (r.template.isOptions) {
      options.push(toOptionsRecord(r));
      continue;
    }
    const facts = toFlowFacts(r);
    if (facts === 'addressless') addressless++;
    else if (facts === 'invalid-time') invalidTime++;
    else flows.push(facts);
  }
  return { flows, options, addressless, invalidTime };
}
