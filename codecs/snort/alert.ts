import type { StreamInfo } from '../../src/codec/types.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { toAlertRecord } from '../../src/schema/alert.js';
import { tryCommunityId } from '../../src/schema/community-id.js';
import { ecsMac } from '../../src/schema/mac.js';
import { mergeInto } from '../../src/schema/merge.js';
import { protocolNumber } from '../../src/schema/protocols.js';

/** What every Snort output format says about one alert, in the same shape. */
export interface SnortAlert {
  time: number;
  gid: number;
  sid: number;
  rev: number;
  msg: string;
  classification?: string;
  priority?: number;
  /** `TCP`, `UDP`, `ICMP`, or `PROTO:255` for portscan pseudo-packets. */
  proto?: string;
  sourceIp?: string;
  sourcePort?: number;
  destinationIp?: string;
  destinationPort?: number;
  sourceMac?: string;
  destinationMac?: string;
  /** Snort 3 `action` (`allow`, `block`, `drop`…). */
  action?: string;
  vlan?: number;
  iface?: string;
  service?: string;
  /** Packet details in Elastic's `snort.*` names (`ip.ttl`, `tcp.seq`…). */
  details?: Record<string, unknown>;
}

const DENIED = new Set(['block', 'drop', 'reject', 'sdrop']);

function protocolOf(proto: string | undefined): number | undefined {
  if (proto === undefined) return undefined;
  return proto.startsWith('PROTO:') ? Number(proto.slice(6)) : protocolNumber(proto);
}

/**
 * ICMP alerts name no ports; the Community ID then takes the ICMP type and code (from alert_full/json/csv), or
 * 0/0 as Elastic's community_id processor does, which gives the id of an echo exchange, the usual case.
 */
function icmpCommunityId(a: SnortAlert, protocol: number | undefined): string | undefined {
  if ((protocol !== 1 && protocol !== 58) || a.sourceIp === undefined || a.destinationIp === undefined)
    return undefined;
  const icmp = a.details?.icmp as { type?: number; code?: number } | undefined;
  return tryCommunityId(protocol, a.sourceIp, icmp?.type ?? 0, a.destinationIp, icmp?.code ?? 0);
}

/**
 * Snort alert to the alert document. `rule.id` is the sid and `rule.version` the rev, `snort.gid` keeps the
 * generator, as in Elastic's Snort integration; the message is both `rule.name` (as for Suricata) and
 * `rule.description` (Elastic's field for it).
 */
export function snortRecord(a: SnortAlert, identity: string, deps: StreamInfo): PipelineRecord {
  const protocol = protocolOf(a.proto);
  const record = toAlertRecord(
    {
      module: 'snort',
      action: a.action !== undefined && DENIED.has(a.action) ? 'blocked' : 'alert',
      time: a.time,
      rule: {
        id: String(a.sid),
        version: String(a.rev),
        name: a.msg,
        description: a.msg,
        category: a.classification,
      },
      severity: a.priority,
      // Portscan pseudo-packets carry 255, which is no transport; leave network.transport out.
      protocol: protocol === 255 ? undefined : protocol,
      sourceIp: a.sourceIp,
      sourcePort: a.sourcePort,
      destinationIp: a.destinationIp,
      destinationPort: a.destinationPort,
      communityId: icmpCommunityId(a, protocol),
      outcomeType: a.action === undefined ? undefined : DENIED.has(a.action) ? 'denied' : 'allowed',
      identity,
    },
    { localNetworks: deps.localNetworks, now: deps.now() },
  );
  const extra: Record<string, unknown> = {
    observer: { type: 'ids', vendor: 'Cisco', product: 'Snort' },
    snort: { gid: a.gid, ...a.details },
  };
  if (a.sourceMac !== undefined) extra.source = { mac: ecsMac(a.sourceMac) };
  if (a.destinationMac !== undefined) extra.destination = { mac: ecsMac(a.destinationMac) };
  if (a.iface !== undefined)
    extra.observer = { ...(extra.observer as object), ingress: { interface: { name: a.iface } } };
  if (a.vlan !== undefined && a.vlan !== 0) extra.network = { vlan: { id: String(a.vlan) } };
  if (a.service !== undefined && a.service !== 'unknown')
    mergeInto(extra, { network: { protocol: a.service } });
  mergeInto(record.doc, extra);
  return record;
}
