import type { PipelineRecord } from '../pipeline/types.js';
import { tryCommunityId } from './community-id.js';
import type { MappingContext } from './context.js';
import { ECS_VERSION } from './ecs.js';
import { documentId } from './ids.js';
import { IsoFormatter } from './iso-time.js';
import { mergeInto } from './merge.js';
import { transportName } from './protocols.js';

/**
 * What a Zeek log or an EVE event other than a flow or alert says, before it becomes a document of its own
 * dataset (`flowtrail.zeek_dns`, `flowtrail.suricata_tls`…). Flows and alerts go through `toFlowRecord` and
 * `toAlertRecord` instead.
 */
export interface EventFacts {
  dataset: string;
  module: string;
  action: string;
  kind?: 'event' | 'metric';
  category: string[];
  type: string[];
  /** Epoch ms. */
  time: number;
  protocol?: number;
  sourceIp?: string;
  sourcePort?: number;
  destinationIp?: string;
  destinationPort?: number;
  communityId?: string;
  flowId?: string;
  applicationProtocol?: string;
  /** ECS and tool fields, deep-merged over the generated ones (so `source.domain` joins `source.ip`). */
  fields?: Record<string, unknown>;
  identity: string;
}

function endpoint(ip: string, port: number | undefined, ctx: MappingContext): Record<string, unknown> {
  const value: Record<string, unknown> = { ip, locality: ctx.localNetworks.locality(ip) };
  if (port !== undefined) value.port = port;
  return value;
}

/** One per field, so that the event's own time and `event.created` (now) do not evict each other. */
const timeIso = new IsoFormatter();
const createdIso = new IsoFormatter();

export function toEventRecord(e: EventFacts, ctx: MappingContext): PipelineRecord {
  const doc: Record<string, unknown> = {
    '@timestamp': timeIso.format(e.time),
    event: {
      kind: e.kind ?? 'event',
      category: e.category,
      type: e.type,
      action: e.action,
      dataset: e.dataset,
      module: e.module,
      created: createdIso.format(ctx.now),
    },
    ecs: { version: ECS_VERSION },
  };
  const network: Record<string, unknown> = {};
  if (e.protocol !== undefined) {
    network.transport = transportName(e.protocol);
    network.iana_number = String(e.protocol);
  }
  if (e.applicationProtocol !== undefined) network.protocol = e.applicationProtocol;
  const related: string[] = [];
  if (e.sourceIp !== undefined) {
    doc.source = endpoint(e.sourceIp, e.sourcePort, ctx);
    related.push(e.sourceIp);
  }
  if (e.destinationIp !== undefined) {
    doc.destination = endpoint(e.destinationIp, e.destinationPort, ctx);
    if (!related.includes(e.destinationIp)) related.push(e.destinationIp);
  }
  if (e.sourceIp !== undefined && e.destinationIp !== undefined) {
    const locality = ctx.localNetworks;
    network.type = e.sourceIp.includes(':') ? 'ipv6' : 'ipv4';
    network.direction = locality.direction(locality.locality(e.sourceIp), locality.locality(e.destinationIp));
  }
  const community =
    e.communityId ??
    (e.protocol !== undefined && e.sourceIp !== undefined && e.destinationIp !== undefined
      ? tryCommunityId(e.protocol, e.sourceIp, e.sourcePort, e.destinationIp, e.destinationPort)
      : undefined);
  if (community !== undefined) network.community_id = community;
  if (Object.keys(network).length > 0) doc.network = network;
  if (related.length > 0) doc.related = { ip: related };
  if (e.flowId !== undefined) doc.flow = { id: e.flowId };
  if (e.fields !== undefined) mergeInto(doc, e.fields);

  const id = documentId(
    e.dataset,
    e.module,
    e.identity,
    e.time,
    e.sourceIp,
    e.sourcePort,
    e.destinationIp,
    e.destinationPort,
  );
  return { dataset: e.dataset, id, doc };
}
