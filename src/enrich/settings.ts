import { z } from 'zod';
import { duration } from '../config/units.js';

const paths = z
  .union([z.string().min(1), z.array(z.string().min(1))])
  .transform((value) => (typeof value === 'string' ? [value] : value));

const ipAddress = z.ipv4().or(z.ipv6());

/** An exporter's interface as the configuration names it (`enrichment.interfaces`). */
const interfaceLabel = z
  .object({
    name: z.string().min(1).optional(),
    alias: z.string().min(1).optional(),
    /** The interface's speed in Mbit/s (as SNMP's ifHighSpeed gives it). */
    speed_mbps: z.number().int().min(0).optional(),
  })
  .strict();

/** One SNMP agent polled for the interface names of the exporter at `address` (`enrichment.snmp.exporters`). */
const snmpExporter = z
  .object({
    /** The exporter's address as its flows arrive from; also where the agent is asked unless `agent` says. */
    address: ipAddress,
    agent: ipAddress.optional(),
    port: z.number().int().min(1).max(65535).default(161),
    version: z.enum(['2c', '3']).default('2c'),
    community: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    level: z.enum(['noAuthNoPriv', 'authNoPriv', 'authPriv']).default('authPriv'),
    auth_protocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']).default('sha'),
    auth_key: z.string().min(8).optional(),
    priv_protocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']).default('aes'),
    priv_key: z.string().min(8).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const need = (key: 'community' | 'user' | 'auth_key' | 'priv_key', why: string) => {
      if (v[key] === undefined) ctx.addIssue({ code: 'custom', message: `required ${why}`, path: [key] });
    };
    if (v.version === '2c') need('community', 'for SNMP v2c');
    else {
      need('user', 'for SNMP v3');
      if (v.level !== 'noAuthNoPriv') need('auth_key', `for level ${v.level}`);
      if (v.level === 'authPriv') need('priv_key', 'for level authPriv');
    }
  });

/**
 * `enrichment` in the configuration: what each enricher does, as plain data that a worker thread can be given.
 * GeoIP, AS, applications and domain parts, names for addresses, and names for exporters and their interfaces.
 */
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
        /** With no `city`, the database `flowtrail geoip install` put into the data directory, if there is one. */
        installed: z.boolean().default(true),
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
    observers: z
      .object({
        /** Exporter address -> `observer.name`. */
        names: z.record(ipAddress, z.string().min(1)).default({}),
        /** Names other exporters by the PTR record of their address (looked up in the background, cached). */
        reverse_dns: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Exporter address -> ifIndex -> name/alias/speed: wins over SNMP and the exporter's options data. */
    interfaces: z
      .record(ipAddress, z.record(z.string().regex(/^\d+$/, 'an ifIndex'), interfaceLabel))
      .default({}),
    snmp: z
      .object({
        /** How often each agent's ifName/ifAlias/ifHighSpeed are read again. */
        interval: duration.default(5 * 60_000),
        timeout: duration.default(5_000),
        retries: z.number().int().min(0).max(10).default(1),
        exporters: z.array(snmpExporter).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type EnrichmentSettings = z.output<typeof enrichmentSettings>;
