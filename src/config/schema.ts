import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { byteSize, duration } from './units.js';

const cidr = z.string().refine((value) => {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}, 'expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32');

const port = z.number().int().min(1).max(65535);

const elasticsearch = z
  .object({
    /** Absent: flowtrail provisions and uses its embedded local node. */
    url: z.url().optional(),
    namespace: z
      .string()
      .regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only (it becomes part of data stream names)')
      .default('default'),
    api_key: z.string().min(1).optional(),
    api_key_file: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    password_file: z.string().min(1).optional(),
    ca_file: z.string().min(1).optional(),
    tls_verify: z.boolean().default(true),
    request_timeout: duration.default(30_000),
    bulk: z
      .object({
        max_docs: z.number().int().positive().default(2000),
        max_bytes: byteSize.default(5 * 1024 * 1024),
        flush_interval: duration.default(1000),
        concurrency: z.number().int().min(1).max(32).default(2),
      })
      .strict()
      .prefault({}),
    retry: z
      .object({
        initial_backoff: duration.default(250),
        max_backoff: duration.default(30_000),
      })
      .strict()
      .prefault({}),
    retention: z
      .object({
        flows: duration.default(30 * 86_400_000),
        alerts: duration.default(365 * 86_400_000),
        events: duration.default(30 * 86_400_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((v) => !(v.api_key && v.api_key_file), {
    message: 'set api_key or api_key_file, not both',
    path: ['api_key'],
  })
  .refine((v) => !(v.password && v.password_file), {
    message: 'set password or password_file, not both',
    path: ['password'],
  })
  .refine((v) => !((v.password || v.password_file) && !v.username), {
    message: 'a password needs a username',
    path: ['username'],
  });

const netflow = z
  .object({
    enabled: z.boolean().default(true),
    host: z.string().default('0.0.0.0'),
    port: port.default(2055),
    receive_buffer_bytes: byteSize.default(8 * 1024 * 1024),
    allowed_exporters: z.array(cidr).default([]),
    template_timeout: duration.default(30 * 60_000),
    sampling_overrides: z.record(z.string(), z.number().int().positive()).default({}),
  })
  .strict();

export const configSchema = z
  .object({
    local_networks: z.array(cidr).default(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']),
    elasticsearch: elasticsearch.prefault({}),
    inputs: z
      .object({ netflow: netflow.prefault({}) })
      .strict()
      .prefault({}),
    stack: z
      .object({
        data_dir: z.string().optional(),
        nodes: z.number().int().min(1).max(5).default(1),
        elasticsearch_port: port.default(9200),
        kafka: z.boolean().default(false),
        kafka_port: port.default(9092),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9477),
      })
      .strict()
      .prefault({}),
    queue: z
      .object({ max_records: z.number().int().positive().default(100_000) })
      .strict()
      .prefault({}),
    dead_letter: z.object({ dir: z.string().optional() }).strict().prefault({}),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') })
      .strict()
      .prefault({}),
  })
  .strict();

export type FlowtrailConfig = z.infer<typeof configSchema>;
