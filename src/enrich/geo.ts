import type { LocalNetworks } from '../schema/locality.js';
import { type EnrichmentWarn, WatchedDatabase } from './mmdb.js';
import { RecentCache } from './recent-cache.js';
import type { Additions, Enricher, EnrichSubject } from './types.js';

type Names = { names?: Record<string, string> };

/**
 * A city or country record in either layout found in the wild: MaxMind's GeoIP2/GeoLite2 (nested objects with
 * names by language) or ip-location-db's DB-IP/GeoLite2 builds (flat: `country_code`, `city`, `state1`…).
 */
interface CityRecord {
  country?: Names & { iso_code?: string };
  registered_country?: Names & { iso_code?: string };
  continent?: Names & { code?: string };
  city?: Names | string;
  subdivisions?: Array<Names & { iso_code?: string }>;
  location?: { latitude?: number; longitude?: number; time_zone?: string };
  postal?: { code?: string };
  country_code?: string;
  state1?: string;
  latitude?: number;
  longitude?: number;
  timezone?: string;
  postcode?: string;
}

/** GeoLite2-ASN's layout, which ip-location-db's ASN builds share. */
interface AsnRecord {
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
}

const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });

function nonEmpty(text: unknown): string | undefined {
  return typeof text === 'string' && text.length > 0 ? text : undefined;
}

function countryName(code: string): string | undefined {
  try {
    const name = regionNames.of(code);
    return name === code ? undefined : name;
  } catch {
    return undefined;
  }
}

/** ECS `geo` fields of a city or country record, or undefined when it names no place. */
export function geoFields(r: CityRecord): Record<string, unknown> | undefined {
  const geo: Record<string, unknown> = {};
  const country = r.country ?? r.registered_country;
  const iso = nonEmpty(country?.iso_code) ?? nonEmpty(r.country_code);
  if (r.continent?.code) geo.continent_code = r.continent.code;
  const continent = nonEmpty(r.continent?.names?.en);
  if (continent) geo.continent_name = continent;
  if (iso) geo.country_iso_code = iso;
  const country_name = nonEmpty(country?.names?.en) ?? (iso ? countryName(iso) : undefined);
  if (country_name) geo.country_name = country_name;
  const subdivision = r.subdivisions?.[0];
  const region = nonEmpty(subdivision?.names?.en) ?? nonEmpty(r.state1);
  if (region) geo.region_name = region;
  if (iso && subdivision?.iso_code) geo.region_iso_code = `${iso}-${subdivision.iso_code}`;
  const city = typeof r.city === 'string' ? nonEmpty(r.city) : nonEmpty(r.city?.names?.en);
  if (city) geo.city_name = city;
  const postal = nonEmpty(r.postal?.code) ?? nonEmpty(r.postcode);
  if (postal) geo.postal_code = postal;
  const timezone = nonEmpty(r.location?.time_zone) ?? nonEmpty(r.timezone);
  if (timezone) geo.timezone = timezone;
  const lat = r.location?.latitude ?? r.latitude;
  const lon = r.location?.longitude ?? r.longitude;
  if (typeof lat === 'number' && typeof lon === 'number') geo.location = { lat, lon };
  return Object.keys(geo).length > 0 ? geo : undefined;
}

/** ECS `as` fields of an ASN record. */
export function asFields(r: AsnRecord): Record<string, unknown> | undefined {
  const number = r.autonomous_system_number;
  if (typeof number !== 'number') return undefined;
  const name = nonEmpty(r.autonomous_system_organization);
  return name ? { number, organization: { name } } : { number };
}

/**
 * Networks no database places anywhere: unspecified, loopback, link-local, shared address space (CGNAT),
 * multicast and reserved space, besides RFC 1918 and ULA which the default local networks name.
 */
export const UNROUTED_NETWORKS = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '224.0.0.0/3',
  '::/127',
  '::ffff:0:0/96',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
] as const;

export interface GeoEnricherOptions {
  city: readonly string[];
  asn: readonly string[];
  cacheSize: number;
  checkIntervalMs: number;
  /** Addresses here get no geo or AS fields (unrouted space, and the site's own networks when so configured). */
  skip: readonly LocalNetworks[];
  warn: EnrichmentWarn;
}

/**
 * `geo` and `as` of each endpoint from MaxMind-format databases. What one address gets is written once as JSON
 * member text and kept in a bounded cache by address, so a warm lookup is one `Map.get`.
 */
export class GeoEnricher implements Enricher {
  readonly name = 'geoip';
  private readonly cities: WatchedDatabase[];
  private readonly asns: WatchedDatabase[];
  private readonly cache: RecentCache<string, string>;

  constructor(private readonly options: GeoEnricherOptions) {
    const watch = {
      checkIntervalMs: options.checkIntervalMs,
      onReload: () => this.cache.clear(),
      warn: options.warn,
    };
    this.cache = new RecentCache(options.cacheSize);
    const opened: WatchedDatabase[] = [];
    try {
      this.cities = options.city.map((path) => {
        const db = new WatchedDatabase(path, watch);
        opened.push(db);
        return db;
      });
      this.asns = options.asn.map((path) => {
        const db = new WatchedDatabase(path, watch);
        opened.push(db);
        return db;
      });
    } catch (err) {
      for (const db of opened) db.close();
      throw err;
    }
  }

  /** The databases in use, for the start-up log. */
  describe(): Array<{ path: string; type: string; built: string }> {
    return [...this.cities, ...this.asns].map((db) => ({
      path: db.path,
      type: db.type,
      built: db.builtAt.toISOString(),
    }));
  }

  enrich(subject: EnrichSubject, add: Additions): void {
    this.endpoint(subject.sourceIp, 'source', add);
    this.endpoint(subject.destinationIp, 'destination', add);
    this.endpoint(subject.clientIp, 'client', add);
    this.endpoint(subject.serverIp, 'server', add);
  }

  /** The `geo`/`as` member text for one address ('' when there is none). */
  membersFor(address: string): string {
    let members = this.cache.get(address);
    if (members === undefined) {
      members = this.lookUp(address);
      this.cache.set(address, members);
    }
    return members;
  }

  close(): void {
    for (const db of [...this.cities, ...this.asns]) db.close();
  }

  private endpoint(address: string | undefined, object: string, add: Additions): void {
    if (address === undefined) return;
    const members = this.membersFor(address);
    if (members.length > 0) add.addMembers(object, members);
  }

  private lookUp(address: string): string {
    for (const networks of this.options.skip) {
      if (networks.locality(address) === 'internal') return '';
    }
    const ipv6 = address.includes(':');
    let members = '';
    try {
      for (const db of this.cities) {
        const record = db.get(address, ipv6) as CityRecord | null;
        const geo = record ? geoFields(record) : undefined;
        if (geo) {
          members += `,"geo":${JSON.stringify(geo)}`;
          break;
        }
      }
      for (const db of this.asns) {
        const record = db.get(address, ipv6) as AsnRecord | null;
        const as = record ? asFields(record) : undefined;
        if (as) {
          members += `,"as":${JSON.stringify(as)}`;
          break;
        }
      }
    } catch (err) {
      // Not an address the reader takes: the document keeps its address and goes without geo.
      this.options.warn('enrichment: address not looked up', {
        address,
        err: err instanceof Error ? err.message : String(err),
      });
      return '';
    }
    return members;
  }
}
