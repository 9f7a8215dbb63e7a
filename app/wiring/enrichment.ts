import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { createEnrichers, describeEnrichment, type Enrichers } from '../../src/enrich/enrichers.js';
import { DBIP_ATTRIBUTION, geoipDirOf, installedDefault } from '../../src/enrich/installed-databases.js';
import type { EnrichmentSettings } from '../../src/enrich/settings.js';
import { ConfigError } from '../../src/errors.js';
import { LogThrottle } from '../../src/observability/throttle.js';
import { dataDirOf } from './paths.js';

/**
 * `config.enrichment` with the defaults that depend on this machine: no `geoip.city` configured means the
 * database `flowtrail geoip install` installed into the data directory, where there is one. Everything that
 * enriches (the decode worker, the log inputs, `ingest`, `geoip lookup`) is given these settings.
 */
export function enrichmentOf(config: FlowtrailConfig): EnrichmentSettings {
  const { enrichment } = config;
  const { geoip } = enrichment;
  if (geoip.city.length > 0 || !geoip.installed) return enrichment;
  const installed = installedDefault(geoipDirOf(dataDirOf(config)));
  if (installed === undefined) return enrichment;
  return { ...enrichment, geoip: { ...geoip, city: installed.files } };
}

/** What the start-up log says about enrichment: which databases, and where they came from. */
function description(config: FlowtrailConfig, settings: EnrichmentSettings): Record<string, unknown> {
  const described = describeEnrichment(settings);
  if (settings.geoip.city !== config.enrichment.geoip.city) {
    described.geoip = {
      city: settings.geoip.city,
      asn: settings.geoip.asn,
      source: `installed by flowtrail geoip install: ${DBIP_ATTRIBUTION}`,
    };
  }
  return described;
}

/**
 * The enrichers of the configuration for documents made on this thread (log inputs, `ingest`). Building them
 * also checks the configuration: a database that cannot be read stops the start with the key named. The NetFlow
 * decode worker builds its own from the same settings (`enrichmentOf`).
 */
export function createEnrichment(config: FlowtrailConfig, logger: Logger): Enrichers {
  const warnings = new LogThrottle();
  const warn = (message: string, fields?: Record<string, unknown>) => {
    const suppressed = warnings.admit(message);
    if (suppressed !== undefined) logger.warn({ ...fields, suppressed }, message);
  };
  const settings = enrichmentOf(config);
  let enrichers: Enrichers;
  try {
    enrichers = createEnrichers(settings, { localNetworks: config.local_networks, warn });
  } catch (err) {
    throw new ConfigError(`enrichment.geoip: ${(err as Error).message}`);
  }
  logger.info({ enrichment: description(config, settings) }, 'enrichment');
  return enrichers;
}
