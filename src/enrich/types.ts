import { jsonString } from '../schema/json.js';

/** An interface of an observer as a document names it: its ifIndex, as text. */
interface InterfaceSubject {
  readonly id: string;
  readonly name?: string;
  readonly alias?: string;
}

/** The observer (exporter, sensor) a document names: a flow's `FlowFacts.observer`, or a view of `observer.*`. */
export interface ObserverSubject {
  readonly ip?: string;
  readonly name?: string;
  readonly ingress?: { readonly interface: InterfaceSubject };
  readonly egress?: { readonly interface: InterfaceSubject };
}

/** What is known of one interface of an exporter, by configuration or by SNMP. */
export interface InterfaceLabel {
  name?: string;
  alias?: string;
  /** ifHighSpeed: megabits per second. */
  speed_mbps?: number;
}

/**
 * What enrichers read of one document: flows pass their `FlowFacts` (which have these names), other documents a
 * view taken from their fields (`subjectOf`).
 */
export interface EnrichSubject {
  readonly sourceIp?: string;
  readonly destinationIp?: string;
  /** Set only where a document writes client/server apart from source/destination (log documents). */
  readonly clientIp?: string;
  readonly serverIp?: string;
  /** IANA protocol number. */
  readonly protocol?: number;
  readonly sourcePort?: number;
  readonly destinationPort?: number;
  /** `network.protocol` as the source reported it (Zeek `service`, Suricata `app_proto`). */
  readonly applicationProtocol?: string;
  /** `network.application` already on the document. */
  readonly application?: string;
  readonly sourceDomain?: string;
  readonly destinationDomain?: string;
  /** `dns.question.name`. */
  readonly dnsQuestion?: string;
  /** `tls.client.server_name` (SNI). */
  readonly tlsServerName?: string;
  /** The exporter or sensor that reported the document, with the interfaces it names as it reported them. */
  readonly observer?: ObserverSubject;
}

/**
 * Fields enrichers add to one document. Mostly JSON member text (`,"geo":{…}`) per top-level object (`source`,
 * `network`, `dns`…): a flow writer puts the text inside the objects it writes, other documents merge it as
 * objects. Text, so that what an enricher keeps in its cache is written as is, with nothing serialized per flow.
 * What names the observer and its interfaces is kept as values instead, since it overrides what the source said
 * (an exporter's options data name an interface; the configuration's name for it wins), field by field.
 */
export class Additions {
  private readonly members = new Map<string, string>();
  /** `observer.name`, over the one the document has. */
  observerName: string | undefined = undefined;
  /** What is known of the observer's ingress and egress interface, over what the document says of them. */
  ingress: InterfaceLabel | undefined = undefined;
  egress: InterfaceLabel | undefined = undefined;

  /** Adds `key: value` under the top-level `object`. */
  add(object: string, key: string, value: unknown): void {
    this.addMembers(object, `,${jsonString(key)}:${JSON.stringify(value)}`);
  }

  /** Adds members already written as JSON, each starting with a comma. */
  addMembers(object: string, members: string): void {
    if (members.length === 0) return;
    const current = this.members.get(object);
    this.members.set(object, current === undefined ? members : current + members);
  }

  /** The member text added under `object`, if any. */
  membersOf(object: string): string | undefined {
    return this.members.get(object);
  }

  /** Top-level objects that have additions, with their member text. */
  entries(): IterableIterator<[string, string]> {
    return this.members.entries();
  }

  /** Whether the observer or one of its interfaces is named. */
  get namesObserver(): boolean {
    return this.observerName !== undefined || this.ingress !== undefined || this.egress !== undefined;
  }

  get empty(): boolean {
    return this.members.size === 0 && !this.namesObserver;
  }

  /**
   * The additions as nested objects, for documents that are merged rather than written: the observer's names
   * under `observer`, interface speeds under `flowtrail` (ECS has no field for them).
   */
  toObject(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [object, text] of this.members) {
      out[object] = JSON.parse(`{${text.slice(1)}}`) as Record<string, unknown>;
    }
    if (!this.namesObserver) return out;
    const observer: Record<string, unknown> = { ...out.observer };
    if (this.observerName !== undefined) observer.name = this.observerName;
    const flowtrail: Record<string, unknown> = {};
    for (const side of ['ingress', 'egress'] as const) {
      const label = this[side];
      if (label === undefined) continue;
      const names: Record<string, string> = {};
      if (label.name !== undefined) names.name = label.name;
      if (label.alias !== undefined) names.alias = label.alias;
      if (Object.keys(names).length > 0) observer[side] = { interface: names };
      if (label.speed_mbps !== undefined) flowtrail[INTERFACE_SPEED[side]] = { speed_mbps: label.speed_mbps };
    }
    out.observer = observer;
    if (Object.keys(flowtrail).length > 0) out.flowtrail = { ...out.flowtrail, ...flowtrail };
    return out;
  }

  clear(): void {
    this.members.clear();
    this.observerName = undefined;
    this.ingress = undefined;
    this.egress = undefined;
  }
}

/**
 * Where an interface's speed goes, under `flowtrail`: ECS has no field for it, and `flowtrail.observer` is taken
 * (the observer's identity, a keyword).
 */
export const INTERFACE_SPEED = { ingress: 'ingress_interface', egress: 'egress_interface' } as const;

/**
 * One kind of enrichment (GeoIP, port → application, reverse DNS, exporter and interface names…), the one shape
 * every enrichment has: it reads the document's subject and adds to `add`, which the document's writer applies
 * (a flow's in its decode worker, before serialization). `enrich` runs on the hot path for every document: it
 * must not block or wait, and answers from memory (a lookup that needs I/O fills a cache for later documents).
 */
export interface Enricher {
  readonly name: string;
  enrich(subject: EnrichSubject, add: Additions): void;
  /** Stops timers, watches and lookups. */
  close?(): void;
}
