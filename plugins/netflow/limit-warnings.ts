import type { Logger } from 'pino';
import { LogThrottle } from '../../src/observability/throttle.js';
import { LIMITS, type LimitHits, type LimitName, noHits } from './decode/budget.js';
import type { DecoderSettings } from './decode/settings.js';
import type { DecodeStats } from './decode-protocol.js';

/** A bound hit again and again is logged at most this often. */
export const LIMIT_WARNING_INTERVAL_MS = 60_000;

/** Each bound's configuration key (under `inputs.netflow.limits`) and value. */
function limitSetting(limit: LimitName, s: DecoderSettings): [key: string, value: number] {
  switch (limit) {
    case 'exporters':
      return ['max_exporters', s.maxExporters];
    case 'domains_per_exporter':
      return ['max_domains_per_exporter', s.maxDomainsPerExporter];
    case 'domains':
      return ['max_domains', s.maxDomains];
    case 'templates_per_exporter':
      return ['max_templates_per_exporter', s.maxTemplates];
    case 'templates_per_domain':
      return ['max_templates_per_domain', s.maxTemplatesPerDomain];
    case 'template_fields':
      return ['max_template_fields', s.maxTemplateFields];
    case 'template_bytes':
      return ['max_template_bytes', s.maxTemplateBytes];
    case 'pending_bytes':
      return ['max_pending_bytes', s.maxPendingBytes];
    case 'option_names':
      return ['max_option_name_bytes', s.maxOptionNameBytes];
  }
}

const WHAT: Record<LimitName, string> = {
  exporters: 'exporter table full',
  domains_per_exporter: 'an exporter has as many observation domains as allowed',
  domains: 'exporters have as many observation domains as allowed',
  templates_per_exporter: 'an exporter has as many templates as allowed: further ones are refused',
  templates_per_domain: 'a domain has as many templates as allowed: further ones are refused',
  template_fields: 'templates with more fields than allowed are refused',
  template_bytes: 'templates fill the memory allowed: further ones are refused',
  pending_bytes: 'data sets waiting for their templates fill the memory allowed: further ones are dropped',
  option_names:
    'interface and application names from options data fill the memory allowed: further ones are not learnt',
};

/**
 * Says in the log why the decoder refuses or forgets things: once when a bound is first hit, then at most once a
 * minute while it is hit again, naming the setting (and for exporters the allowlist, the remedy for spoofing).
 */
export class LimitWarnings {
  private seen: LimitHits = noHits();
  private refusedSeen = 0;
  private evictedSeen = 0;
  private readonly throttle = new LogThrottle(LIMIT_WARNING_INTERVAL_MS);

  constructor(
    private readonly settings: DecoderSettings,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {}

  check(stats: DecodeStats, now: number = Date.now()): void {
    for (const limit of LIMITS) {
      const hits = stats.limitHits[limit] - this.seen[limit];
      if (hits <= 0) continue;
      if (this.throttle.admit(limit, now) === undefined) continue;
      this.seen[limit] = stats.limitHits[limit];
      const [key, value] = limitSetting(limit, this.settings);
      const setting = `inputs.netflow.limits.${key}`;
      if (limit === 'exporters') this.warnExporters(stats, setting, value, hits);
      else
        this.logger.warn({ limit: setting, value, hits }, `netflow: ${WHAT[limit]} (${setting} = ${value})`);
    }
  }

  private warnExporters(stats: DecodeStats, setting: string, value: number, hits: number): void {
    const refused = stats.exporterLimit - this.refusedSeen;
    const evicted = stats.evictedExporters - this.evictedSeen;
    this.refusedSeen = stats.exporterLimit;
    this.evictedSeen = stats.evictedExporters;
    const outcome =
      refused > 0
        ? `datagrams from new exporters are refused (${refused}), as every exporter held holds templates in use`
        : `exporters with no templates in use gave up their slot to new ones (${evicted})`;
    this.logger.warn(
      { limit: setting, value, hits, refusedPackets: refused, evictedExporters: evicted },
      `netflow: ${WHAT.exporters} (${setting} = ${value}): ${outcome}; many sources at once are often spoofed: ` +
        'set inputs.netflow.allowed_exporters to the CIDRs of your exporters so that others are dropped before decoding',
    );
  }
}
