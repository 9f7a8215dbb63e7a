import type { PipelineRecord } from '../pipeline/types.js';
import { tryCommunityId } from './community-id.js';
import type { MappingContext } from './context.js';
import { ECS_VERSION } from './ecs.js';
import { documentId } from './ids.js';
import type { Direction } from './locality.js';
import { mergeInto } from './merge.js';
import { transportName } from './protocols.js';

export const ALERT_DATASET = 'flowtrail.alerts';

export type SeverityLevel = 'critical' | 'high' | 'medium' | 'low' | 'informational';

/** What an IDS (Snort, Suricata, Zeek notice, flowtrail's own detections) says about one alert. */
export interface AlertFacts {
  module: string;
  /** `event.action`, e.g. `alert`, `blocked`, `notice`. */
  action: string;
  /** Epoch milliseconds. */
  time: number;
  rule: {
    id?: string;
    name?: string;
    category?: string;
    version?: string;
    description?: string;
    ruleset?: string;
    reference?: string;
  };
  /** The tool's own severity as it reported it (Snort/Suricata: 1 is the most severe). */
  severity?: number;
  /** flowtrail's cross-tool scale; see README "Severity". */
  level?: SeverityLevel;
  protocol?: number;
  sourceIp?: string;
  sourcePort?: number;
  destinationIp?: string;
  destinationPort?: number;
  observer?: { ip?: string; name?: string; type?: string; hostname?: string };
  flowId?: string;
  communityId?: string;
  direction?: Direction;
  /** `event.type`: `allowed`, `denied`, `info`… */
  outcomeType?: string;
  extra?: Record<string, unknown>;
  original?: string;
  /** What makes this alert unique at its source (file+offset, event id, …). */
  identity: string;
}

/** Snort and Suricata priority 1..4 (1 = most severe) on flowtrail's scale. */
export function levelFromPriority(priority: number | undefined): SeverityLevel {
  switch (priority) {
    case 1:
      return 'high';
    case 2:
      return 'medium';
    case 3:
      return 'low';
    default:
      return priority !== undefined && priority <= 0 ? 'critical' : 'informational';
  }
}

const RISK_SCORE: Record<SeverityLevel, number> = {
  critical: 99,
  high: 73,
  medium: 47,
  low: 21,
  informational: 1,
};

export function toAlertRecord(a: AlertFacts, ctx: MappingContext): PipelineRecord {
  const dataset = ctx.dataset ?? ALERT_DATASET;
  const level = a.level ?? levelFromPriority(a.severity);
  const event: Record<string, unknown> = {
    kind: 'alert',
    category: ['network', 'intrusion_detection'],
    type: [a.outcomeType ?? 'info'],
    action: a.action,
    dataset,
    module: a.module,
    created: new Date(ctx.now).toISOString(),
    risk_score: RISK_SCORE[level],
  };
  if (a.severity !== undefined) event.severity = a.severity;
  if (a.original !== undefined) event.original = a.original;

  const rule: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(a.rule)) if (value !== undefined) rule[key] = value;

  const doc: Record<string, unknown> = {
    '@timestamp': new Date(a.time).toISOString(),
    // The rule's message: what the Security app titles a promoted alert with, and what an analyst reads first.
    // Snort's msg and Zeek's notice msg are the description (a notice's name is its note, `Scan::Port_Scan`);
    // Suricata's signature and a detection's title are the name.
    message: a.rule.description ?? a.rule.name ?? a.action,
    event,
    rule,
    flowtrail: { severity: level },
    ecs: { version: ECS_VERSION },
  };

  const related: string[] = [];
  const network: Record<string, unknown> = {};
  if (a.protocol !== undefined) {
    network.transport = transportName(a.protocol);
    network.iana_number = String(a.protocol);
  }
  if (a.sourceIp !== undefined) {
    const locality = ctx.localNetworks.locality(a.sourceIp);
    doc.source = { ip: a.sourceIp, locality, ...(a.sourcePort !== undefined ? { port: a.sourcePort } : {}) };
    related.push(a.sourceIp);
  }
  if (a.destinationIp !== undefined) {
    const locality = ctx.localNetworks.locality(a.destinationIp);
    doc.destination = {
      ip: a.destinationIp,
      locality,
      ...(a.destinationPort !== undefined ? { port: a.destinationPort } : {}),
    };
    if (!related.includes(a.destinationIp)) related.push(a.destinationIp);
  }
  if (a.sourceIp !== undefined && a.destinationIp !== undefined) {
    network.type = a.sourceIp.includes(':') ? 'ipv6' : 'ipv4';
    network.direction =
      a.direction ??
      ctx.localNetworks.direction(
        ctx.localNetworks.locality(a.sourceIp),
        ctx.localNetworks.locality(a.destinationIp),
      );
    const community =
      a.communityId ??
      (a.protocol !== undefined
        ? tryCommunityId(a.protocol, a.sourceIp, a.sourcePort, a.destinationIp, a.destinationPort)
        : undefined);
    if (community !== undefined) network.community_id = community;
  } else if (a.communityId !== undefined) {
    network.community_id = a.communityId;
  }
  if (Object.keys(network).length > 0) doc.network = network;
  if (related.length > 0) doc.related = { ip: related };
  if (a.flowId !== undefined) doc.flow = { id: a.flowId };
  if (a.observer !== undefined) doc.observer = { ...a.observer };
  if (a.extra !== undefined) mergeInto(doc, a.extra);

  const id = documentId(
    dataset,
    a.module,
    a.identity,
    a.time,
    a.rule.id,
    a.sourceIp,
    a.sourcePort,
    a.destinationIp,
    a.destinationPort,
  );
  return { dataset, id, doc };
}
