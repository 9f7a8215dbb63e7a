import type { Additions } from '../enrich/types.js';
import { tryCommunityId } from './community-id.js';
import type { MappingContext } from './context.js';
import { ECS_VERSION } from './ecs.js';
import { binaryDocumentId } from './ids.js';
import { IsoFormatter } from './iso-time.js';
import { jsonNumber, jsonString, RawJson } from './json.js';
import { JsonRecord } from './json-record.js';
import type { Direction } from './locality.js';
import { mergeInto } from './merge.js';
import { interfaceSpeeds, type ObserverFacts, observerJson } from './observer-json.js';
import { tcpFlagNames, transportName } from './protocols.js';
import { initiatorOf } from './roles.js';

export type { ObservedInterface, ObserverFacts } from './observer-json.js';

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
  /** Epoch milliseconds (fractional allowed), within `isFlowTime`: `toFlowRecord` throws on others. */
  start?: number;
  end?: number;
  /** Nanoseconds; derived from start/end when absent. */
  durationNs?: number;
  /** TCP control bits OR-ed over the flow. */
  tcpFlags?: number;
  /** True when the source is known to have opened the connection (Zeek orig, IPFIX biflow initiator). */
  sourceIsInitiator?: boolean;
  vlanId?: number;
  observer?: ObserverFacts;
  /** Source-specific flow/session id (Zeek uid, Suricata flow_id). */
  flowId?: string;
  /** Kept as given when the source already computed it. */
  communityId?: string;
  /** Direction from the source itself (e.g. Zeek local_orig/local_resp) wins over the configured networks. */
  direction?: Direction;
  /** `network.protocol` (application protocol such as http, dns). */
  applicationProtocol?: string;
  /** `network.application`: the application as the observer classified it (NBAR2 name…), lower case. */
  application?: string;
  /**
   * `input.type`: the Elastic input that would have read this flow (`netflow` for NetFlow/IPFIX), which the
   * Elastic integration's dashboards filter on.
   */
  input?: string;
  /** Fields in the source's own namespace, e.g. `{ netflow: {...} }` or `{ zeek: {...} }`. */
  extra?: Record<string, unknown>;
  /** Raw input, kept only when the user asks for it. */
  original?: string;
  /**
   * `flowtrail.observer`: which observer reported the record (a NetFlow exporter's `ip:port`, a sensor's name),
   * so that traffic several observers saw is counted once; the module's name when the source cannot tell.
   */
  observerId?: string;
  /**
   * What makes this record unique at its source (exporter + domain + sequence + index, Zeek uid, …). Used with the
   * flow key to build the document id.
   */
  identity: string;
}

/** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the years a date field's four digits can write. */
const FIRST_FLOW_TIME = -62_167_219_200_000;
const END_OF_FLOW_TIMES = 253_402_300_800_000;

/**
 * Whether `ms` can be a flow's start or end. Others cannot be formatted (beyond Date's ±8.64e15 ms,
 * `toISOString` throws) or would be refused by the index's date fields (years written with more than four
 * digits): a source that reads such a time from its input reports the record as broken instead.
 */
export function isFlowTime(ms: number): boolean {
  return ms >= FIRST_FLOW_TIME && ms < END_OF_FLOW_TIMES;
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

/**
 * The flow document's text between its values, in the order `toFlowRecord` writes them. The native conn.log mapper
 * (codecs/zeek/native/zeek_conn.c) is handed these pieces and holds no document text of its own, so a name
 * changed here changes both writers; an order changed here alone fails the test that holds the two to the same
 * text (codecs/zeek/conn-tsv.test.ts).
 */
export const FLOW_TEXT = {
  /** The flow's end (or start) follows, then `eventHeadText`, then `event.created`. */
  open: '{"@timestamp":"',
  quote: '"',
  start: ',"start":"',
  end: ',"end":"',
  duration: ',"duration":',
  original: ',"original":',
  source: '},"source":',
  destination: ',"destination":',
  /** The transport's name follows, then `ianaNumber` and the protocol number. */
  network: ',"network":{"transport":',
  ianaNumber: ',"iana_number":"',
  /** Then the direction. */
  ipv4: '","type":"ipv4","direction":',
  ipv6: '","type":"ipv6","direction":',
  bytes: ',"bytes":',
  packets: ',"packets":',
  communityId: ',"community_id":',
  protocol: ',"protocol":',
  application: ',"application":',
  /** The VLAN id as a string follows, then `close`. */
  vlan: ',"vlan":{"id":',
  flowInternal: '},"flow":{"locality":"internal"',
  flowExternal: '},"flow":{"locality":"external"',
  flowId: ',"id":',
  /** The addresses follow, comma separated, then `relatedEnd`. */
  related: '},"related":{"ip":[',
  relatedEnd: ']}',
  /** Client (the initiator, see roles.ts) and server: endpoints without `locality` (a Filebeat NetFlow field). */
  client: ',"client":',
  server: ',"server":',
  /**
   * `message`, e.g. `tcp 10.0.0.1:40000 -> 192.0.2.7:443`: the transport's name follows, then `messageFrom`, the
   * source, `messageTo`, the destination and `quote`. An IPv6 address with a port is put in brackets; ICMP's type
   * and code are not shown as ports.
   */
  message: ',"message":"',
  messageFrom: ' ',
  messageTo: ' -> ',
  messagePort: ':',
  messageV6Open: '[',
  messageV6Close: ']',
  ecs: `,"ecs":{"version":${JSON.stringify(ECS_VERSION)}}`,
  observer: ',"observer":',
  /**
   * The observer's identity follows, quoted, then `initiator` and which end opened the conversation (`source` or
   * `destination`, quoted), then `tcp_flags` where there are some, then `close`.
   */
  flowtrail: ',"flowtrail":{"observer":',
  initiator: ',"initiator":',
  tcpFlags: ',"tcp_flags":',
  /** The input type follows, quoted, then `close`. */
  input: ',"input":{"type":',
  close: '}',
  /** An endpoint: its address follows, then its counters, then (source and destination) its locality. */
  ip: '{"ip":',
  internal: ',"locality":"internal"',
  external: ',"locality":"external"',
  port: ',"port":',
  mac: ',"mac":',
} as const;

/** `network.direction`'s values, as the native mapper is handed them. */
export const DIRECTIONS: readonly Direction[] = ['inbound', 'outbound', 'internal', 'external'];

/** `,"<key>":`: how a source's own namespace (`extra`) starts after the mapped members. */
export function memberText(key: string): string {
  return `,${jsonString(key)}:`;
}

/** An endpoint's members without its locality and closing brace: source and client share it. */
function endpointBody(
  quotedIp: string,
  port: string | undefined,
  bytes: number | undefined,
  packets: number | undefined,
  mac: string | undefined,
): string {
  let json = `${FLOW_TEXT.ip}${quotedIp}`;
  if (port !== undefined) json += `${FLOW_TEXT.port}${port}`;
  if (bytes !== undefined) json += `${FLOW_TEXT.bytes}${jsonNumber(bytes)}`;
  if (packets !== undefined) json += `${FLOW_TEXT.packets}${jsonNumber(packets)}`;
  if (mac !== undefined) json += `${FLOW_TEXT.mac}${jsonString(mac)}`;
  return json;
}

/** `,"message":"tcp ` and the like, by protocol number, as for networkHeads. */
const messageHeads: string[] = [];

function messageHead(protocol: number): string {
  if (!Number.isInteger(protocol) || protocol < 0 || protocol > 255) {
    return `${FLOW_TEXT.message}${transportName(protocol)}${FLOW_TEXT.messageFrom}`;
  }
  messageHeads[protocol] ??= `${FLOW_TEXT.message}${transportName(protocol)}${FLOW_TEXT.messageFrom}`;
  return messageHeads[protocol];
}

/**
 * One side of `message`: the address as the document has it escaped (the address itself when it needed no
 * escaping, as nearly always), and the port where it is one (not ICMP's type or code). Reusing the document's
 * text of both costs no second escape or number formatting per flow.
 */
function messageEndpoint(
  address: string,
  quotedIp: string,
  port: string | undefined,
  ported: boolean,
): string {
  const ip = quotedIp.length === address.length + 2 ? address : quotedIp.slice(1, -1);
  if (port === undefined || !ported) return ip;
  const T = FLOW_TEXT;
  return ip.includes(':')
    ? `${T.messageV6Open}${ip}${T.messageV6Close}${T.messagePort}${port}`
    : `${ip}${T.messagePort}${port}`;
}

/** `input.type`'s member by input name: one input per reader, so the last one is nearly always it. */
let inputName: string | undefined;
let inputText = '';

function inputMember(name: string): string {
  if (name !== inputName) {
    inputName = name;
    inputText = `${FLOW_TEXT.input}${jsonString(name)}${FLOW_TEXT.close}`;
  }
  return inputText;
}

/** From the end of `@timestamp` to the start of `event.created`'s text: see EventHead. */
export function eventHeadText(action: string, dataset: string, module: string): string {
  return `","event":{"kind":"event","category":["network"],"type":["connection"],"action":${jsonString(action)},"dataset":${jsonString(dataset)},"module":${jsonString(module)},"created":"`;
}

/**
 * The members of `event` that a source writes the same on every flow, from `kind` to the name of `created`, as one
 * piece: V8 keeps a concatenated string as a tree of its pieces until it is flattened, and both growing and
 * flattening the tree cost per piece, more than copying the characters. Remembers the last source's text only: a
 * reader maps one source's flows, so it is nearly always that one.
 */
class EventHead {
  private action: string | undefined;
  private dataset: string | undefined;
  private module: string | undefined;
  private json = '';

  get(action: string, dataset: string, module: string): string {
    if (action !== this.action || dataset !== this.dataset || module !== this.module) {
      this.action = action;
      this.dataset = dataset;
      this.module = module;
      this.json = eventHeadText(action, dataset, module);
    }
    return this.json;
  }
}

const eventHead = new EventHead();

/** `networkHeadText` by protocol, address family and direction, for the IANA protocols: see EventHead. */
const networkHeads: string[] = [];

/** `,"network":{` with the members up to `direction`. */
function networkHeadText(protocol: number, ipv6: boolean, direction: Direction): string {
  return `${FLOW_TEXT.network}${jsonString(transportName(protocol))}${FLOW_TEXT.ianaNumber}${protocol}${ipv6 ? FLOW_TEXT.ipv6 : FLOW_TEXT.ipv4}${jsonString(direction)}`;
}

function networkHead(protocol: number, ipv6: boolean, direction: Direction): string {
  const directionIndex = DIRECTIONS.indexOf(direction);
  if (directionIndex === -1 || !Number.isInteger(protocol) || protocol < 0 || protocol > 255) {
    return networkHeadText(protocol, ipv6, direction);
  }
  const key = (protocol * 2 + (ipv6 ? 1 : 0)) * DIRECTIONS.length + directionIndex;
  networkHeads[key] ??= networkHeadText(protocol, ipv6, direction);
  return networkHeads[key];
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
  'message',
  'ecs',
]);

/** Whether the mapping wrote `key`, so that a source's `extra` under it has to be merged in. */
function written(key: string, f: FlowFacts): boolean {
  switch (key) {
    case 'client':
    case 'server':
    case 'flowtrail':
      return true;
    case 'observer':
      return f.observer !== undefined;
    case 'input':
      return f.input !== undefined;
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
      const doc = JSON.parse(`${mapped}${FLOW_TEXT.close}`) as Record<string, unknown>;
      // Through JSON, so that pre-written values (RawJson) merge as the values they stand for.
      mergeInto(doc, JSON.parse(JSON.stringify(extra)));
      return JSON.stringify(doc);
    }
    const value = extra[key];
    const json = value instanceof RawJson ? value.json : JSON.stringify(value);
    if (json !== undefined) tail += `${memberText(key)}${json}`;
  }
  return `${mapped}${tail}${FLOW_TEXT.close}`;
}

/** The objects `toFlowRecord` writes additions into itself; others go with the source's own namespace. */
const WRITTEN_WITH_ADDITIONS = new Set(['source', 'destination', 'client', 'server', 'network', 'observer']);

/**
 * `f.extra` with the additions that are not written inside the mapped objects (`dns`, `tls`, an observer a flow
 * has none of…) as objects, merged with what the source put there under the same key.
 */
function withAdditions(f: FlowFacts, add: Additions): Record<string, unknown> | undefined {
  let extra = f.extra;
  for (const [object, members] of add.entries()) {
    if (WRITTEN_WITH_ADDITIONS.has(object) && (object !== 'observer' || f.observer !== undefined)) continue;
    const value = JSON.parse(`{${members.slice(1)}}`) as Record<string, unknown>;
    extra = { ...extra };
    const current = extra[object];
    if (
      current !== undefined &&
      current !== null &&
      typeof current === 'object' &&
      !(current instanceof RawJson)
    ) {
      const merged = { ...(current as Record<string, unknown>) };
      mergeInto(merged, value);
      extra[object] = merged;
    } else {
      extra[object] = value;
    }
  }
  return extra;
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
export function toFlowRecord(f: FlowFacts, ctx: MappingContext): JsonRecord {
  const dataset = ctx.dataset ?? FLOW_DATASET;
  const sourceLocality = ctx.localNetworks.locality(f.sourceIp);
  const destinationLocality = ctx.localNetworks.locality(f.destinationIp);
  const direction = f.direction ?? ctx.localNetworks.direction(sourceLocality, destinationLocality);
  const community =
    f.communityId ?? tryCommunityId(f.protocol, f.sourceIp, f.sourcePort, f.destinationIp, f.destinationPort);
  const durationNs =
    f.durationNs ??
    (f.start !== undefined && f.end !== undefined ? Math.round((f.end - f.start) * 1e6) : undefined);

  const created = createdIso.format(ctx.now);
  const startText = f.start === undefined ? undefined : startIso.format(f.start);
  const endText = f.end === undefined ? undefined : endIso.format(f.end);
  const T = FLOW_TEXT;
  let json = `${T.open}${endText ?? startText ?? created}${eventHead.get(f.action, dataset, f.module)}${created}${T.quote}`;
  if (startText !== undefined) json += `${T.start}${startText}${T.quote}`;
  if (endText !== undefined) json += `${T.end}${endText}${T.quote}`;
  if (durationNs !== undefined) json += `${T.duration}${jsonNumber(durationNs)}`;
  if (f.original !== undefined) json += `${T.original}${jsonString(f.original)}`;

  const sourceIp = jsonString(f.sourceIp);
  const destinationIp = jsonString(f.destinationIp);
  const sourcePort = f.sourcePort === undefined ? undefined : jsonNumber(f.sourcePort);
  const destinationPort = f.destinationPort === undefined ? undefined : jsonNumber(f.destinationPort);
  const sourceBody = endpointBody(sourceIp, sourcePort, f.bytes, f.packets, f.sourceMac);
  const destinationBody = endpointBody(
    destinationIp,
    destinationPort,
    f.reverseBytes,
    f.reversePackets,
    f.destinationMac,
  );
  // Written twice (again as client and server): flattened pieces are walked once, not once per copy.
  flat(sourceBody);
  flat(destinationBody);
  const add = ctx.additions !== undefined && !ctx.additions.empty ? ctx.additions : undefined;
  const sourceAdded = add?.membersOf('source') ?? '';
  const destinationAdded = add?.membersOf('destination') ?? '';
  json += `${T.source}${sourceBody}${sourceLocality === 'internal' ? T.internal : T.external}${sourceAdded}${T.close}`;
  json += `${T.destination}${destinationBody}${destinationLocality === 'internal' ? T.internal : T.external}${destinationAdded}${T.close}`;
  json += networkHead(f.protocol, f.sourceIp.includes(':'), direction);
  const totalBytes = sum(f.bytes, f.reverseBytes);
  const totalPackets = sum(f.packets, f.reversePackets);
  if (totalBytes !== undefined) json += `${T.bytes}${jsonNumber(totalBytes)}`;
  if (totalPackets !== undefined) json += `${T.packets}${jsonNumber(totalPackets)}`;
  if (community !== undefined) json += `${T.communityId}${jsonString(community)}`;
  if (f.applicationProtocol !== undefined) json += `${T.protocol}${jsonString(f.applicationProtocol)}`;
  if (f.application !== undefined) json += `${T.application}${jsonString(f.application)}`;
  if (add !== undefined) json += add.membersOf('network') ?? '';
  if (f.vlanId !== undefined) json += `${T.vlan}${jsonString(String(f.vlanId))}${T.close}`;
  json +=
    sourceLocality === 'internal' && destinationLocality === 'internal' ? T.flowInternal : T.flowExternal;
  if (f.flowId !== undefined) json += `${T.flowId}${jsonString(f.flowId)}`;
  json +=
    f.sourceIp === f.destinationIp
      ? `${T.related}${sourceIp}${T.relatedEnd}`
      : `${T.related}${sourceIp},${destinationIp}${T.relatedEnd}`;
  const initiator = initiatorOf(f);
  json +=
    initiator === 'source'
      ? `${T.client}${sourceBody}${sourceAdded}${T.close}${T.server}${destinationBody}${destinationAdded}${T.close}`
      : `${T.client}${destinationBody}${destinationAdded}${T.close}${T.server}${sourceBody}${sourceAdded}${T.close}`;
  // `message`, e.g. `tcp 10.0.0.1:40000 -> 192.0.2.7:443`: readable at a glance in Discover and alert views.
  const ported = f.protocol !== 1 && f.protocol !== 58;
  json += `${messageHead(f.protocol)}${messageEndpoint(f.sourceIp, sourceIp, sourcePort, ported)}${T.messageTo}${messageEndpoint(f.destinationIp, destinationIp, destinationPort, ported)}${T.quote}${T.ecs}`;
  if (f.observer !== undefined) json += `${T.observer}${observerJson(f.observer, add)}`;
  json += `${T.flowtrail}${jsonString(f.observerId ?? f.module)}${T.initiator}"${initiator}"`;
  if (f.tcpFlags !== undefined) json += `${T.tcpFlags}${tcpFlags(f.tcpFlags)}`;
  if (add?.namesObserver) json += interfaceSpeeds(add);
  json += T.close;
  if (f.input !== undefined) json += inputMember(f.input);

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
  const extra = add === undefined ? f.extra : withAdditions(f, add);
  return new JsonRecord(
    dataset,
    id,
    flat(extra === undefined ? `${json}${T.close}` : withExtra(json, extra, f)),
  );
}
