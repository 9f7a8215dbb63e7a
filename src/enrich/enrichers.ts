import { LocalNetworks } from '../schema/locality.js';
import { ApplicationEnricher, BUILTIN_SERVICES, portTable } from './applications.js';
import { DomainEnricher } from './domains.js';
import { GeoEnricher, UNROUTED_NETWORKS } from './geo.js';
import type { InterfaceTables } from './interface-names.js';
import type { EnrichmentWarn } from './mmdb.js';
import { ObserverEnricher } from './observer-enricher.js';
import { ReverseDnsEnricher } from './reverse-dns.js';
import type { EnrichmentSettings } from './settings.js';
import { Additions, type Enricher, type EnrichSubject } from './types.js';

/** Names of DNS questions and TLS servers whose parts are kept in memory. */
const DOMAIN_CACHE_SIZE = 50_000;

/** The enrichers a configuration asks for, applied in order; each adds fields no other one adds. */
export class Enrichers {
  /** Enrichments that threw: the document went on without that enricher's fields. */
  failures = 0;

  constructor(readonly list: readonly Enricher[]) {}

  /** Interface names and speeds an SNMP poll found, for the documents enriched from now on. */
  setPolledInterfaces(tables: InterfaceTables): void {
    for (const enricher of this.list) {
      if (enricher instanceof ObserverEnricher) enricher.interfaces.setPolled(tables);
    }
  }

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

export interface EnricherOptions {
  localNetworks: readonly string[];
  warn: EnrichmentWarn;
  /** The last SNMP poll's interface tables, for enrichers built after it (a restarted decode worker). */
  polled?: InterfaceTables;
  /**
   * Where the configuration was checked already (the decode worker), a database that cannot be read now costs
   * its fields, said through `warn`, and the other enrichers are built; else it throws with the file named.
   */
  tolerateDatabases?: boolean;
  /** Enrichers built elsewhere (benchmarks), run after these. */
  extra?: readonly Enricher[];
}

/** Whether `settings` name exporters or their interfaces, or poll agents for them (whose tables come later). */
function namesObservers(settings: EnrichmentSettings): boolean {
  const { observers, interfaces, snmp } = settings;
  return (
    Object.keys(observers.names).length > 0 ||
    observers.reverse_dns ||
    Object.keys(interfaces).length > 0 ||
    snmp.exporters.length > 0
  );
}

function geoEnricher(settings: EnrichmentSettings, options: EnricherOptions): GeoEnricher | undefined {
  const { geoip } = settings;
  if (geoip.city.length === 0 && geoip.asn.length === 0) return undefined;
  const skip = [new LocalNetworks(UNROUTED_NETWORKS)];
  if (geoip.skip_local_networks && options.localNetworks.length > 0) {
    skip.push(new LocalNetworks(options.localNetworks));
  }
  try {
    return new GeoEnricher({
      city: geoip.city,
      asn: geoip.asn,
      cacheSize: geoip.cache_size,
      checkIntervalMs: geoip.check_interval,
      skip,
      warn: options.warn,
    });
  } catch (err) {
    if (!options.tolerateDatabases) throw err;
    options.warn('enrichment: documents go without geo and AS', {
      err: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

/** Builds the enrichers of `settings`: every enrichment there is, in one list, applied the one way. */
export function createEnrichers(settings: EnrichmentSettings, options: EnricherOptions): Enrichers {
  const list: Enricher[] = [];
  const { reverse_dns, applications, domains, observers, interfaces } = settings;
  const geo = geoEnricher(settings, options);
  if (geo !== undefined) list.push(geo);
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
  if (namesObservers(settings)) {
    list.push(
      new ObserverEnricher({
        observers: { names: observers.names, reverseDns: observers.reverse_dns },
        interfaces,
        polled: options.polled,
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
        : 'off, no database: run `flowtrail geoip install` (DB-IP Lite, CC BY 4.0), or set enrichment.geoip.city / ' +
          '.asn to MaxMind-format files (GeoLite2, DB-IP Lite); documents go without geo and AS fields',
    reverse_dns: settings.reverse_dns.enabled,
    applications: settings.applications.builtin_ports ? 'built-in ports + configured' : 'configured ports',
    domains: settings.domains.enabled,
    observers: namesObservers(settings),
  };
}
