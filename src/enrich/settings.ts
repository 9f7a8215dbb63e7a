import { z } from 'zod';
import { duration } from '../config/units.js';

const paths = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((value) => (typeof value === 'string' ? [value] : value));

/** `enrichment` in the configuration: what each enricher does, as plain data that a worker thread can be given. */
export const enrichmentSettings = z
  .object({
    geoip: z
      .object({
        /**
         * City (or country) databases, tried in order: GeoLite2-City/GeoIP2-City, DB-IP's city or country lite
         * (IPv4 and IPv6 files), ip-location-db builds. None: no `geo` fields.
         */
        city: paths.default([]),
        /** ASN databases (GeoLite2-ASN, ip-location-db ASN): `as.number` and `as.organization.name`. */
        asn: paths.default([]),
        /** Addresses whose fields are kept in memory. */
        cache_size: z.number().int().min(1).default(100_000),
        /** How often the files are checked for a new version (0: never). */
        check_interval: duration.default(60_000),
        /** The configured `local_networks` get no geo or AS (unrouted space never does). */
        skip_local_networks: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    reverse_dns: z
      .object({
        enabled: z.boolean().default(false),
        /** DNS servers (`host` or `host:port`); the system's when empty. */
        servers: z.array(z.string().min(1)).default([]),
        cache_size: z.number().int().min(1).default(100_000),
        ttl: duration.default(3_600_000),
        negative_ttl: duration.default(300_000),
        timeout: duration.default(2_000),
        max_pending: z.number().int().min(1).default(64),
      })
      .strict()
      .prefault({}),
    applications: z
      .object({
        /** `network.application` by port where the flow names none; keys `tcp/443`, `443/udp` or `443`. */
        ports: z
          .record(
            z
              .string()
              .regex(
                /^(?:(?:tcp|udp|sctp)\/\d{1,5}|\d{1,5}(?:\/(?:tcp|udp|sctp))?)$/i,
                'expected tcp/443, 443/udp or 443',
              ),
            z.string(),
          )
          .default({}),
        /** Whether `ports` adds to (and overrides) the built-in table of well-known services, or replaces it. */
        builtin_ports: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    domains: z
      .object({
        /** `registered_domain`/`top_level_domain`/`subdomain` of DNS questions and TLS server names. */
        enabled: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type EnrichmentSettings = z.output<typeof enrichmentSettings>;
