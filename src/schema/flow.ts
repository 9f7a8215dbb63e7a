import { tryCommunityId } from './community-id.js';
import { binaryDocumentId } from './ids.js';
import { jsonNumber, jsonString, RawJson } from './json.js';
import { JsonRecord } from './json-record.js';
import type { Direction, LocalNetworks } from './locality.js';
import { mergeInto } from './merge.js';
import { tcpFlagNames, transportName } from './protocols.js';

export const FLOW_DATASET = 'flowtrail.flows';

/**
 * What any flow source knows about one flow, before it is put into ECS terms. Every input (NetFlow/IPFIX,
 * Zeek conn.log, Suricata flow, the packet tap) fills this, and `toFlowRecord` is the one place that maps it
 * to the flow document, so the same fact always lands in the same field.
 */
export interface FlowFacts {
  /** `event.module`: netflow, zeek, suricata, pcap… */
  module: string;
  /** `event.action`, e.g. `netflow_flow`. */
  action: string;
  /** IANA protocol number. */
  protocol: number;
  sourceIp: string;
  destinationIp: string;
  /** For ICMP: the type (source) and code (destination), as NetFlow and Zeek report them. */
  sourcePort?: number;
  destinationPort?: number;
  sourceMac?: string;
  destinationMac?: string;
  /** Traffic from source to destination. */
  bytes?: number;
  packets?: number;
  /** Traffic from destination back to source, for bidirectional flows (Zeek, RFC 5103 biflows, Suricata). */
  reverseBytes?: number;
  reversePackets?: number;
  /** Epoch milliseconds (fractional allowed). */
  start?: number;
  end?: number;
  /** Nanoseconds; derived from start/end when absent. */
  durationNs?: number;
  /** TCP control bits OR-ed over the flow. */
  tcpFlags?: number;
  /** True when the source is known to have opened the connection (Zeek orig, IPFIX biflow initiator). */
  sourceIsInitiator?: boolean;
  vlanId?: number;
  observer?: { ip?: string; name?: string; type?: string; hostname?: string };
  /** Source-specific flow/session id (Zeek uid, Suricata flow_id). */
  flowId?: string;
  /** Kept as given when the source already computed it. */
  communityId?: string;
  /** Direction from the source itself (e.g. Zeek local_orig/local_resp) wins over the configured networks. */
  direction?: Direction;
  /** `network.protocol` (application protocol such as http, dns). */
  applicationProtocol?: string;
  /** Fields in the source's own namespace, e.g. `{ netflow: {...} }` or `{ zeek: {...} }`. */
  extra?: Record<string, unknown>;
  /** Raw input, kept only when the user asks for it. */
  original?: string;
  /**
   * What makes this record unique at its source (exporter + domain + sequence + index, Zeek uid, …). Used with the
   * flow key to build the document id.
   */
  identity: string;
}

export interface FlowMappingContext {
  localNetworks: LocalNetworks;
  /** Epoch ms at which the record was created here; `event.created`. */
  now: number;
  /** Dataset override (tests, alternate streams); defaults to `flowtrail.flows`. */
  dataset?: string;
}

/**
 * `new Date(ms).toISOString()`, remembering the text of the last second formatted: the records of a batch mostly
 * share their seconds, and Date formatting is among the costliest steps of the mapping. One instance per field,
 * so that `event.created` (now) and the flow's own times do not evict each other.
 */
export class IsoFormatter {
  private second = Number.NaN;
  private prefix = '';
  /** The last millisecond formatted and its text: `event.created` of a batch is mostly one `now`. */
  private millisecond = Number.NaN;
  private text = '';

  format(ms: number): string {
    if (!(ms >= 0) || !Number.isFinite(ms)) return new Date(ms).toISOString();
    const whole = Math.trunc(ms);
    if (whole === this.millisecond) return this.text;
    const millis = whole % 1000;
    const second = whole - millis;
    if (second !== this.second) {
      this.second = second;
      // Everything up to the milliseconds: `YYYY-MM-DDTHH:MM:SS.` (or the extended-year form).
      this.prefix = new Date(second).toISOString().slice(0, -4);
    }
    this.millisecond = whole;
    this.text = `${this.prefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
    return this.text;
  }
}

const createdIso = new IsoFormatter();
const startIso = new IsoFormatter();
const endIso = new IsoFormatter();

/** `flowtrail.tcp_flags` for each combination of the nine bits, serialized once. */
const tcpFlagsJson: string[] = [];

function tcpFlags(bits: number): string {
  if (bits >= 0 && bits < 512 && Number.isInteger(bits)) {
    tcpFlagsJson[bits] ??= JSON.stringify(tcpFlagNames(bits));
    return tcpFlagsJson[bits];
  }
  return JSON.stringify(tcpFlagNames(bits));
}

function endpoint(
  quotedIp: string,
  port: number | undefined,
  bytes: number | undefined,
  packets: number | undefined,
  mac: string | undefined,
  locality: string,
): string {
  let json = `{"ip":${quotedIp},"locality":"${locality}"`;
  if (port !== undefined) json += `,"port":${jsonNumber(port)}`;
  if (bytes !== undefined) json += `,"bytes":${jsonNumber(bytes)}`;
  if (packets !== undefined) json += `,"packets":${jsonNumber(packets)}`;
  if (mac !== undefined) json += `,"mac":${jsonString(mac)}`;
  return `${json}}`;
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined && b === undefined) return undefined;
  return (a ?? 0) + (b ?? 0);
}

/** Top-level keys of every flow document. */
const ALWAYS_WRITTEN = new Set([
  '@timestamp',
  'event',
  'source',
  'destination',
  'network',
  'flow',
  'related',
]);

/** Whether the mapping wrote `key`, so that a source's `extra` under it has to be merged in. */
function written(key: string, f: FlowFacts): boolean {
  switch (key) {
    case 'client':
    case 'server':
      return Boolean(f.sourceIsInitiator);
    case 'observer':
      return f.observer !== undefined;
    case 'flowtrail':
      return f.tcpFlags !== undefined;
    default:
      return ALWAYS_WRITTEN.has(key);
  }
}

/**
 * Adds `extra` to the document: its keys after the mapped ones, or, when it shares one with the mapping (to add
 * `observer.vendor` to `observer.ip`, say), merged into the parsed document as `mergeInto` does.
 */
function withExtra(mapped: string, extra: Record<string, unknown>, f: FlowFacts): string {
  let tail = '';
  for (const key in extra) {
    if (written(key, f)) {
      const doc = JSON.parse(`${mapped}}`) as Record<string, unknown>;
      // Through JSON, so that pre-written values (RawJson) merge as the values they stand for.
      mergeInto(doc, JSON.parse(JSON.stringify(extra)));
      return JSON.stringify(doc);
    }
    const value = extra[key];
    const json = value instanceof RawJson ? value.json : JSON.stringify(value);
    if (json !== undefined) tail += `,${jsonString(key)}:${json}`;
  }
  return `${mapped}${tail}}`;
}

/**
 * V8 keeps a string built by concatenation as a tree of its pieces until a character is read; reading one makes it
 * one flat string. Doing that here puts the cost where the document is made (and measured) rather than in the
 * sink's join of a batch, which walks every tree again each time it joins (as on a retry) and cost more than
 * flattening once. Joining an array of the pieces instead was slower still: many pieces are trees themselves.
 */
function flat(text: string): string {
  text.charCodeAt(text.length - 1);
  return text;
}

/**
 * The flow document, written directly as the JSON the sink sends: building nested objects only to serialize them
 * cost more than all of the mapping. `doc` is parsed from it when something asks.
 */
export function toFlowRecord(f: FlowFacts, ctx: FlowMappingContext): JsonRecord {
  const dataset = ctx.dataset ?? FLOW_DATASET;
  const sourceLocality = ctx.localNetworks.locality(f.sourceIp);
  const destinationLocality = ctx.localNetworks.locality(f.destinationIp);
  const direction = f.direction ?? ctx.localNetworks.direction(sourceLocality, destinationLocality);
  const flowLocality =
    sourceLocality === 'internal' && destinationLocality === 'internal' ? 'internal' : 'external';
  const community =
    f.communityId ?? tryCommunityId(f.protocol, f.sourceIp, f.sourcePort, f.destinationIp, f.destinationPort);
  const durationNs =
    f.durationNs ??
    (f.start !== undefined && f.end !== undefined ? Math.round((f.end - f.start) * 1e6) : undefined);

  const created = createdIso.format(ctx.now);
  const startText = f.start === undefined ? undefined : startIso.format(f.start);
  const endText = f.end === undefined ? undefined : endIso.format(f.end);
  let json = `{"@timestamp":"${endText ?? startText ?? created}","event":{"kind":"event","category":["network"],"type":["connection"],"action":${jsonString(f.action)},"dataset":${jsonString(dataset)},"module":${jsonString(f.module)},"created":"${created}"`;
  if (startText !== undefined) json += `,"start":"${startText}"`;
  if (endText !== undefined) json += `,"end":"${endText}"`;
  if (durationNs !== undefined) json += `,"duration":${jsonNumber(durationNs)}`;
  if (f.original !== undefined) json += `,"original":${jsonString(f.original)}`;

  const sourceIp = jsonString(f.sourceIp);
  const destinationIp = jsonString(f.destinationIp);
  const source = endpoint(sourceIp, f.sourcePort, f.bytes, f.packets, f.sourceMac, sourceLocality);
  const destination = endpoint(
    destinationIp,
    f.destinationPort,
    f.reverseBytes,
    f.reversePackets,
    f.destinationMac,
    destinationLocality,
  );
  json += `},"source":${source},"destination":${destination},"network":{"transport":${jsonString(transportName(f.protocol))},"iana_number":"${f.protocol}","type":"${f.sourceIp.includes(':') ? 'ipv6' : 'ipv4'}","direction":${jsonString(direction)}`;
  const totalBytes = sum(f.bytes, f.reverseBytes);
  const totalPackets = sum(f.packets, f.reversePackets);
  if (totalBytes !== undefined) json += `,"bytes":${jsonNumber(totalBytes)}`;
  if (totalPackets !== undefined) json += `,"packets":${jsonNumber(totalPackets)}`;
  if (community !== undefined) json += `,"community_id":${jsonString(community)}`;
  if (f.applicationProtocol !== undefined) json += `,"protocol":${jsonString(f.applicationProtocol)}`;
  if (f.vlanId !== undefined) json += `,"vlan":{"id":${jsonString(String(f.vlanId))}}`;
  json += `},"flow":{"locality":"${flowLocality}"`;
  if (f.flowId !== undefined) json += `,"id":${jsonString(f.flowId)}`;
  json +=
    f.sourceIp === f.destinationIp
      ? `},"related":{"ip":[${sourceIp}]}`
      : `},"related":{"ip":[${sourceIp},${destinationIp}]}`;
  if (f.sourceIsInitiator) json += `,"client":${source},"server":${destination}`;
  if (f.observer !== undefined) json += `,"observer":${JSON.stringify(f.observer)}`;
  if (f.tcpFlags !== undefined) json += `,"flowtrail":{"tcp_flags":${tcpFlags(f.tcpFlags)}}`;

  const id = binaryDocumentId(
    dataset,
    f.module,
    f.identity,
    f.protocol,
    f.sourceIp,
    f.sourcePort,
    f.destinationIp,
    f.destinationPort,
    f.start,
    f.end,
    f.bytes,
    f.packets,
  );
  return new JsonRecord(dataset, id, flat(f.extra === undefined ? `${json}}` : withExtra(json, f.extra, f)));
}
