import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { createEnrichers, describeEnrichment, type Enrichers } from '../../src/enrich/enrichers.js';
import { ConfigError } from '../../src/errors.js';
import { LogThrottle } from '../../src/observability/throttle.js';

/**
 * The enrichers of `config.enrichment` for documents made on this thread (log inputs, `ingest`). Building them
 * also checks the configuration: a database that cannot be read stops the start with the key named. The NetFlow
 * decode worker builds its own from the same settings.
 */
export function createEnrichment(config: FlowtrailConfig, logger: Logger): Enrichers {
  const warnings = new LogThrottle();
  const warn = (message: string, fields?: Record<string, unknown>) => {
    const suppressed = warnings.admit(message);
    if (suppressed !== undefined) logger.warn({ ...fields, suppressed }, message);
  };
  let enrichers: Enrichers;
  try {
    enrichers = createEnrichers(config.enrichment, { localNetworks: config.local_networks, warn });
  } catch (err) {
    throw new ConfigError(`enrichment.geoip: ${(err as Error).message}`);
  }
  logger.info({ enrichment: describeEnrichment(config.enrichment) }, 'enrichment');
  return enrichers;
}
