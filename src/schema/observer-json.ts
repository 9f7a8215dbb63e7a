import { type Additions, INTERFACE_SPEED, type InterfaceLabel } from '../enrich/types.js';
import { jsonNumber, jsonString } from './json.js';

/** `observer.ingress.interface` / `observer.egress.interface`: the id is the ifIndex, as text. */
export interface ObservedInterface {
  id: string;
  name?: string;
  alias?: string;
}

/** The exporter or sensor that reported a flow (`observer.*`). */
export interface ObserverFacts {
  ip?: string;
  name?: string;
  type?: string;
  hostname?: string;
  ingress?: { interface: ObservedInterface };
  egress?: { interface: ObservedInterface };
}

/** `object` (serialized, `{…}`) with `members` (`,"key":value…`) added before its closing brace. */
export function withMembers(object: string, members: string | undefined): string {
  if (members === undefined) return object;
  return object === '{}' ? `{${members.slice(1)}}` : `${object.slice(0, -1)}${members}}`;
}

/** An interface of the observer with what enrichment knows of it laid over what the source said, field by field. */
function interfaceJson(iface: ObservedInterface, label: InterfaceLabel | undefined): string {
  if (label === undefined) return JSON.stringify(iface);
  const name = label.name ?? iface.name;
  const alias = label.alias ?? iface.alias;
  let json = `{"id":${jsonString(iface.id)}`;
  if (name !== undefined) json += `,"name":${jsonString(name)}`;
  if (alias !== undefined) json += `,"alias":${jsonString(alias)}`;
  return `${json}}`;
}

/** `observer`, with the names enrichment gave the observer and its interfaces, and its added members. */
export function observerJson(o: ObserverFacts, add: Additions | undefined): string {
  const members = add?.membersOf('observer');
  if (add === undefined || !add.namesObserver) return withMembers(JSON.stringify(o), members);
  const name = add.observerName ?? o.name;
  let json = '';
  if (o.ip !== undefined) json += `,"ip":${jsonString(o.ip)}`;
  if (name !== undefined) json += `,"name":${jsonString(name)}`;
  if (o.type !== undefined) json += `,"type":${jsonString(o.type)}`;
  if (o.hostname !== undefined) json += `,"hostname":${jsonString(o.hostname)}`;
  if (o.ingress !== undefined)
    json += `,"ingress":{"interface":${interfaceJson(o.ingress.interface, add.ingress)}}`;
  if (o.egress !== undefined)
    json += `,"egress":{"interface":${interfaceJson(o.egress.interface, add.egress)}}`;
  if (members !== undefined) json += members;
  return `{${json.slice(1)}}`;
}

/** `flowtrail.{ingress,egress}_interface.speed_mbps` of the interfaces enrichment knows the speed of. */
export function interfaceSpeeds(add: Additions): string {
  let json = '';
  if (add.ingress?.speed_mbps !== undefined)
    json += `,"${INTERFACE_SPEED.ingress}":{"speed_mbps":${jsonNumber(add.ingress.speed_mbps)}}`;
  if (add.egress?.speed_mbps !== undefined)
    json += `,"${INTERFACE_SPEED.egress}":{"speed_mbps":${jsonNumber(add.egress.speed_mbps)}}`;
  return json;
}
