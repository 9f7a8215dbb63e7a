import { jsonString } from '../schema/json.js';

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
  /** `observer.ip`: the exporter or sensor that reported the document. */
  readonly observerIp?: string;
}

/**
 * Fields enrichers add to one document, as JSON member text (`,"geo":{…}`) per top-level object (`source`,
 * `network`, `dns`…): a flow writer puts the text inside the objects it writes, other documents merge it as
 * objects. Text, so that what an enricher keeps in its cache is written as is, with nothing serialized per flow.
 */
export class Additions {
  private readonly members = new Map<string, string>();

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

  get size(): number {
    return this.members.size;
  }

  /** The additions as nested objects, for documents that are merged rather than written. */
  toObject(): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [object, text] of this.members) {
      out[object] = JSON.parse(`{${text.slice(1)}}`) as Record<string, unknown>;
    }
    return out;
  }

  clear(): void {
    this.members.clear();
  }
}

/**
 * One kind of enrichment (GeoIP, port → application, reverse DNS, interface names…). `enrich` runs on the hot
 * path for every document: it must not block or wait, and answers from memory (a lookup that needs I/O fills a
 * cache for later documents instead).
 */
export interface DocumentEnricher {
  readonly name: string;
  enrich(subject: EnrichSubject, add: Additions): void;
  /** Stops timers, watches and lookups. */
  close?(): void;
}
