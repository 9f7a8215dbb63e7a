import type { PipelineRecord } from '../pipeline/types.js';
import { tryCommunityId } from './community-id.js';
import { documentId } from './ids.js';
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

  format(ms: number): string {
    if (!(ms >= 0) || !Number.isFinite(ms)) return new Date(ms).toISOString();
    const whole = Math.trunc(ms);
    const millis = whole % 1000;
    const second = whole - millis;
    if (second !== this.second) {
      this.second = second;
      // Everything up to the milliseconds: `YYYY-MM-DDTHH:MM:SS.` (or the extended-year form).
      this.prefix = new Date(second).toISOString().slice(0, -4);
    }
    return `${this.prefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  }
}

const createdIso = new IsoFormatter();
const startIso = new IsoFormatter();
const endIso = new IsoFormatter();

function endpoint(
  ip: string,
  port: number | undefined,
  bytes: number | undefined,
  packets: number | undefined,
  mac: string | undefined,
  locality: string,
) {
  const value: Record<string, unknown> = { ip, locality };
  if (port !== undefined) value.port = port;
  if (bytes !== undefined) value.bytes = bytes;
  if (packets !== undefined) value.packets = packets;
  if (mac !== undefined) value.mac = mac;
  return value;
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined && b === undefined) return undefined;
  return (a ?? 0) + (b ?? 0);
}

export function toFlowRecord(f: FlowFacts, ctx: FlowMappingContext): PipelineRecord {
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

  const event: Record<string, unknown> = {
    kind: 'event',
    category: ['network'],
    type: ['connection'],
    action: f.action,
    dataset,
    module: f.module,
    created: createdIso.format(ctx.now),
  };
  const startText = f.start === undefined ? undefined : startIso.format(f.start);
  const endText = f.end === undefined ? undefined : endIso.format(f.end);
  if (startText !== undefined) event.start = startText;
  if (endText !== undefined) event.end = endText;
  if (durationNs !== undefined) event.duration = durationNs;
  if (f.original !== undefined) event.original = f.original;

  const network: Record<string, unknown> = {
    transport: transportName(f.protocol),
    iana_number: String(f.protocol),
    type: f.sourceIp.includes(':') ? 'ipv6' : 'ipv4',
    direction,
  };
  const totalBytes = sum(f.bytes, f.reverseBytes);
  const totalPackets = sum(f.packets, f.reversePackets);
  if (totalBytes !== undefined) network.bytes = totalBytes;
  if (totalPackets !== undefined) network.packets = totalPackets;
  if (community !== undefined) network.community_id = community;
  if (f.applicationProtocol !== undefined) network.protocol = f.applicationProtocol;
  if (f.vlanId !== undefined) network.vlan = { id: String(f.vlanId) };

  const source = endpoint(f.sourceIp, f.sourcePort, f.bytes, f.packets, f.sourceMac, sourceLocality);
  const destination = endpoint(
    f.destinationIp,
    f.destinationPort,
    f.reverseBytes,
    f.reversePackets,
    f.destinationMac,
    destinationLocality,
  );

  const doc: Record<string, unknown> = {
    '@timestamp': endText ?? startText ?? createdIso.format(ctx.now),
    event,
    source,
    destination,
    network,
    flow: { locality: flowLocality, ...(f.flowId !== undefined ? { id: f.flowId } : {}) },
    related: { ip: f.sourceIp === f.destinationIp ? [f.sourceIp] : [f.sourceIp, f.destinationIp] },
  };
  if (f.sourceIsInitiator) {
    doc.client = { ...source };
    doc.server = { ...destination };
  }
  if (f.observer !== undefined) doc.observer = { ...f.observer };
  if (f.tcpFlags !== undefined) doc.flowtrail = { tcp_flags: tcpFlagNames(f.tcpFlags) };
  if (f.extra !== undefined) mergeInto(doc, f.extra);

  const id = documentId(
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
  return { dataset, id, doc };
}
