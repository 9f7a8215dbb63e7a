import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeMmdb } from '../../test/support/mmdb-writer.js';
import { LocalNetworks } from '../schema/locality.js';
import { asFields, GeoEnricher, geoFields, UNROUTED_NETWORKS } from './geo.js';
import { Additions } from './types.js';

const CITY = {
  '81.2.69.0/24': {
    continent: { code: 'EU', names: { en: 'Europe' } },
    country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
    location: { latitude: 51.5142, longitude: -0.0931, time_zone: 'Europe/London' },
  },
  '81.2.69.160/27': {
    continent: { code: 'EU', names: { en: 'Europe' } },
    country: { iso_code: 'GB', names: { en: 'United Kingdom' } },
    subdivisions: [{ iso_code: 'ENG', names: { en: 'England' } }],
    city: { names: { en: 'London' } },
    location: { latitude: 51.5142, longitude: -0.0931 },
  },
  '2001:218::/32': { country: { iso_code: 'JP', names: { en: 'Japan' } } },
  // Where a careless lookup would answer for private space.
  '10.0.0.0/8': { country: { iso_code: 'ZZ', names: { en: 'Nowhere' } } },
};
const ASN = {
  '1.128.0.0/11': { autonomous_system_number: 1221, autonomous_system_organization: 'Telstra Pty Ltd' },
  '2001:218::/32': { autonomous_system_number: 2914, autonomous_system_organization: 'NTT America, Inc.' },
  '81.2.69.0/24': { autonomous_system_number: 20712 },
};

let dir: string;
let enricher: GeoEnricher | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowtrail-geo-'));
});

afterEach(() => {
  enricher?.close();
  enricher = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function database(name: string, type: string, networks: Parameters<typeof writeMmdb>[1]): string {
  const path = join(dir, name);
  writeFileSync(path, writeMmdb(type, networks));
  return path;
}

function geoOf(options: { checkIntervalMs?: number; local?: string[] } = {}): GeoEnricher {
  enricher = new GeoEnricher({
    city: [database('city.mmdb', 'GeoLite2-City', CITY)],
    asn: [database('asn.mmdb', 'GeoLite2-ASN', ASN)],
    cacheSize: 1000,
    checkIntervalMs: options.checkIntervalMs ?? 0,
    skip: [new LocalNetworks(UNROUTED_NETWORKS), new LocalNetworks(options.local ?? [])],
    warn: () => {},
  });
  return enricher;
}

function fieldsOf(geo: GeoEnricher, sourceIp: string, destinationIp: string) {
  const add = new Additions();
  geo.enrich({ sourceIp, destinationIp }, add);
  return add.toObject();
}

describe('GeoEnricher', () => {
  it('gives the country, city and AS of known addresses, IPv4 and IPv6', () => {
    const fields = fieldsOf(geoOf(), '81.2.69.170', '2001:218:1::1');
    expect(fields.source).toEqual({
      geo: {
        continent_code: 'EU',
        continent_name: 'Europe',
        country_iso_code: 'GB',
        country_name: 'United Kingdom',
        region_name: 'England',
        region_iso_code: 'GB-ENG',
        city_name: 'London',
        location: { lat: 51.5142, lon: -0.0931 },
      },
      as: { number: 20712 },
    });
    expect(fields.destination).toEqual({
      geo: { country_iso_code: 'JP', country_name: 'Japan' },
      as: { number: 2914, organization: { name: 'NTT America, Inc.' } },
    });
  });

  it('takes the less specific network where the more specific one does not hold the address', () => {
    const fields = fieldsOf(geoOf(), '81.2.69.1', '1.128.0.1');
    expect((fields.source.geo as Record<string, unknown>).city_name).toBeUndefined();
    expect(fields.source.geo).toMatchObject({ country_iso_code: 'GB', timezone: 'Europe/London' });
    expect(fields.destination).toEqual({ as: { number: 1221, organization: { name: 'Telstra Pty Ltd' } } });
  });

  it('adds nothing for private, loopback, link-local and unknown addresses', () => {
    const geo = geoOf();
    for (const address of [
      '10.1.2.3',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.1.1',
      'fe80::1',
      '::1',
      '8.8.8.8',
    ]) {
      expect(fieldsOf(geo, address, address)).toEqual({});
    }
  });

  it("skips the site's own networks as configured", () => {
    expect(fieldsOf(geoOf({ local: ['81.2.69.0/24'] }), '81.2.69.170', '1.128.0.1')).toEqual({
      destination: { as: { number: 1221, organization: { name: 'Telstra Pty Ltd' } } },
    });
  });

  it('reads the database again when its file is replaced, and keeps the old one when the new one is broken', async () => {
    const geo = geoOf({ checkIntervalMs: 20 });
    expect(fieldsOf(geo, '1.128.0.1', '81.2.69.1').source).toEqual({
      as: { number: 1221, organization: { name: 'Telstra Pty Ltd' } },
    });
    // As geoipupdate does: a new file written beside the old one, then renamed over it.
    const next = join(dir, 'asn.mmdb.new');
    writeFileSync(
      next,
      writeMmdb('GeoLite2-ASN', {
        '1.128.0.0/11': { autonomous_system_number: 64_500, autonomous_system_organization: 'Renumbered' },
      }),
    );
    renameSync(next, join(dir, 'asn.mmdb'));
    await expect
      .poll(() => fieldsOf(geo, '1.128.0.1', '81.2.69.1').source, { timeout: 5000, interval: 20 })
      .toEqual({ as: { number: 64_500, organization: { name: 'Renumbered' } } });

    writeFileSync(next, 'not a database');
    renameSync(next, join(dir, 'asn.mmdb'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fieldsOf(geo, '1.128.0.1', '81.2.69.1').source).toEqual({
      as: { number: 64_500, organization: { name: 'Renumbered' } },
    });
  });

  it('names the file it cannot open', () => {
    expect(
      () =>
        new GeoEnricher({
          city: [join(dir, 'missing.mmdb')],
          asn: [],
          cacheSize: 10,
          checkIntervalMs: 0,
          skip: [],
          warn: () => {},
        }),
    ).toThrow(/missing\.mmdb/);
  });
});

describe('geoFields', () => {
  it("reads ip-location-db's flat layout (DB-IP Lite city)", () => {
    expect(
      geoFields({
        city: 'Mountain View',
        country_code: 'US',
        latitude: 37.422,
        longitude: -122.085,
        postcode: '',
        state1: 'California',
        timezone: '',
      }),
    ).toEqual({
      country_iso_code: 'US',
      country_name: 'United States',
      region_name: 'California',
      city_name: 'Mountain View',
      location: { lat: 37.422, lon: -122.085 },
    });
  });

  it('gives nothing for a record that names no place or AS', () => {
    expect(geoFields({})).toBeUndefined();
    expect(asFields({ autonomous_system_organization: 'no number' })).toBeUndefined();
  });
});
