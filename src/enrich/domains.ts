import { parse } from 'tldts';
import { jsonString } from '../schema/json.js';
import { RecentCache } from './recent-cache.js';
import type { Additions, Enricher, EnrichSubject } from './types.js';

/** ECS's parts of a domain name: what was registered, its public suffix, and what is left of it. */
export interface DomainParts {
  registered_domain?: string;
  top_level_domain?: string;
  subdomain?: string;
}

/**
 * The parts of `name` by the Public Suffix List (tldts), ICANN and private suffixes alike (`github.io` is a
 * suffix, as browsers take it). Undefined for IP addresses and names without a known suffix.
 */
export function domainParts(name: string): DomainParts | undefined {
  const parsed = parse(name.replace(/\.$/, '').toLowerCase(), { allowPrivateDomains: true });
  if (parsed.isIp || parsed.domain === null) return undefined;
  const parts: DomainParts = { registered_domain: parsed.domain };
  if (parsed.publicSuffix) parts.top_level_domain = parsed.publicSuffix;
  if (parsed.subdomain) parts.subdomain = parsed.subdomain;
  return parts;
}

function members(parts: DomainParts): string {
  let text = '';
  for (const [key, value] of Object.entries(parts)) text += `,"${key}":${jsonString(value)}`;
  return text;
}

/**
 * `registered_domain`, `top_level_domain` and `subdomain` of DNS questions (`dns.question.*`) and of the server
 * name a TLS client asked for (SNI, as `destination.*` with `destination.domain` where the document has none,
 * which is what Filebeat's Suricata module writes).
 */
export class DomainEnricher implements Enricher {
  readonly name = 'domains';
  private readonly cache: RecentCache<string, string>;

  constructor(cacheSize: number) {
    this.cache = new RecentCache(cacheSize);
  }

  enrich(subject: EnrichSubject, add: Additions): void {
    const question = subject.dnsQuestion;
    if (question !== undefined) {
      const text = this.membersOf(question);
      if (text.length > 0) add.addMembers('dns', `,"question":{${text.slice(1)}}`);
    }
    const sni = subject.tlsServerName;
    if (sni !== undefined) {
      const text = this.membersOf(sni);
      const domain = subject.destinationDomain === undefined ? `,"domain":${jsonString(sni)}` : '';
      // Parts of the SNI only where they describe the destination's domain: the SNI itself or none.
      if (subject.destinationDomain === undefined || subject.destinationDomain === sni) {
        add.addMembers('destination', `${domain}${text}`);
      }
    }
  }

  private membersOf(name: string): string {
    let text = this.cache.get(name);
    if (text === undefined) {
      const parts = domainParts(name);
      text = parts === undefined ? '' : members(parts);
      this.cache.set(name, text);
    }
    return text;
  }
}
