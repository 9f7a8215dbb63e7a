import { LocalNetworks } from '../schema/locality.js';
import { ApplicationEnricher, BUILTIN_SERVICES, portTable } from './applications.js';
import { DomainEnricher } from './domains.js';
import { GeoEnricher, UNROUTED_NETWORKS } from './geo.js';
import type { EnrichmentWarn } from './mmdb.js';
import { ReverseDnsEnricher } from './reverse-dns.js';
import type { EnrichmentSettings } from './settings.js';
import { Additions, type DocumentEnricher, type EnrichSubject } from './types.js';

/** Names of DNS questions and TLS servers whose parts are kept in memory. */
const DOMAIN_CACHE_SIZE = 50_000;

/** The enrichers a configuration asks for, applied in order; each adds fields no other one adds. */
export class Enrichers {
  /** Enrichments that threw: the document went on without that enricher's fields. */
  failures = 0;

  constructor(readonly list: readonly DocumentEnricher[]) {}

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Runs every enricher on `subject`; an enricher that throws costs the document its fields, not the document. */
  apply(subject: EnrichSubject, add: Additions): void {
    for (const enricher of this.list) {
      try {
        enricher.enrich(subject, add);
      } catch {
        this.failures++;
      }
    }
  }

  /** The additions for `subject` in a new `Additions` (tests and the slower log path). */
  of(subject: EnrichSubject): Additions {
    const add = new Additions();
    this.apply(subject, add);
    return add;
  }

  close(): void {
    for (const enricher of this.list) enricher.close?.();
  }
}

/**
 * Builds the enrichers of `settings`; throws with the file named when a database cannot be read. `extra` are
 * enrichers built elsewhere (exporter and interface names), run after these.
 */
export function createEnrichers(
  settings: EnrichmentSettings,
  options: { localNetworks: readonly string[]; warn: EnrichmentWarn; extra?: readonly DocumentEnricher[] },
): Enrichers {
  const list: DocumentEnricher[] = [];
  const { geoip, reverse_dns, applications, domains } = settings;
  if (geoip.city.length > 0 || geoip.asn.length > 0) {
    const skip = [new LocalNetworks(UNROUTED_NETWORKS)];
    if (geoip.skip_local_networks && options.localNetworks.length > 0) {
      skip.push(new LocalNetworks(options.localNetworks));
    }
    list.push(
      new GeoEnricher({
        city: geoip.city,
        asn: geoip.asn,
        cacheSize: geoip.cache_size,
        checkIntervalMs: geoip.check_interval,
        skip,
        warn: options.warn,
      }),
    );
  }
  const table = portTable(applications.builtin_ports ? BUILTIN_SERVICES : {}, applications.ports);
  list.push(new ApplicationEnricher(table));
  if (domains.enabled) list.push(new DomainEnricher(DOMAIN_CACHE_SIZE));
  if (reverse_dns.enabled) {
    list.push(
      new ReverseDnsEnricher({
        cacheSize: reverse_dns.cache_size,
        ttlMs: reverse_dns.ttl,
        negativeTtlMs: reverse_dns.negative_ttl,
        maxPending: reverse_dns.max_pending,
        timeoutMs: reverse_dns.timeout,
        servers: reverse_dns.servers,
      }),
    );
  }
  list.push(...(options.extra ?? []));
  return new Enrichers(list);
}

/** What the start-up log says about enrichment; geo's absence is said plainly, with how to turn it on. */
export function describeEnrichment(settings: EnrichmentSettings): Record<string, unknown> {
  const { geoip } = settings;
  return {
    geoip:
      geoip.city.length + geoip.asn.length > 0
        ? { city: geoip.city, asn: geoip.asn }
        : 'off: set enrichment.geoip.city / enrichment.geoip.asn to MaxMind-format files (GeoLite2, DB-IP Lite)',
    reverse_dns: settings.reverse_dns.enabled,
    applications: settings.applications.builtin_ports ? 'built-in ports + configured' : 'configured ports',
    domains: settings.domains.enabled,
  };
}
