/**
 * Elastic's NetFlow integration's documents for the same flows, and an index template like the one its package
 * installs: the document shape is the Filebeat goldens' (`netflow-vendor/beats-golden`: ECS fields, the whole
 * `netflow.*` namespace, `related.ip`, `observer.ip`) plus what the integration adds around them (`@timestamp`,
 * `ecs.version`, `event.dataset`/`module`, `input.type`, `data_stream.*`, `event.ingested` from Fleet's final
 * pipeline). The agent's own metadata (`agent.*`, `elastic_agent.*`, `host.*`) is left out, which flatters the
 * integration.
 */
import { createHash } from 'node:crypto';
import { IANA_ELEMENTS } from '../../plugins/netflow/registry/iana.generated.js';
import { snakeCase } from '../../plugins/netflow/registry/names.js';
import type { AbstractType } from '../../plugins/netflow/registry/types.js';
import { ENTERPRISE_ELEMENTS, V9_VENDOR_ELEMENTS } from '../../plugins/netflow/registry/vendors.js';
import { tryCommunityId } from '../../src/schema/community-id.js';
import { ECS_VERSION } from '../../src/schema/ecs.js';
import type { FlowFacts } from '../../src/schema/flow.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { transportName } from '../../src/schema/protocols.js';

export const INTEGRATION_DATASET = 'netflow.log';
export const INTEGRATION_PIPELINE = 'bench-escost-fleet-final';
export const INTEGRATION_TEMPLATE = 'bench-escost-netflow-integration';

/** The integration's stream for a namespace. */
export function integrationIndex(namespace: string): string {
  return `logs-${INTEGRATION_DATASET}-${namespace}`;
}

/** How the integration's field definitions type IPFIX elements (Filebeat's NetFlow fields follow the same rule). */
const ELASTIC_TYPE: Partial<Record<AbstractType, string>> = {
  unsigned8: 'short',
  unsigned16: 'integer',
  unsigned32: 'long',
  unsigned64: 'long',
  signed8: 'byte',
  signed16: 'short',
  signed32: 'integer',
  signed64: 'long',
  float32: 'float',
  float64: 'double',
  boolean: 'boolean',
  macAddress: 'keyword',
  octetArray: 'keyword',
  string: 'keyword',
  dateTimeSeconds: 'date',
  dateTimeMilliseconds: 'date',
  dateTimeMicroseconds: 'date',
  dateTimeNanoseconds: 'date',
  ipv4Address: 'ip',
  ipv6Address: 'ip',
};

function netflowProperties(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const add = (snake: string, type: AbstractType) => {
    const es = ELASTIC_TYPE[type];
    if (es !== undefined)
      properties[snake] = es === 'keyword' ? { type: es, ignore_above: 1024 } : { type: es };
  };
  for (const [, , snake, type] of IANA_ELEMENTS) add(snake, type);
  for (const elements of Object.values(ENTERPRISE_ELEMENTS))
    for (const [name, type] of Object.values(elements)) add(snakeCase(name), type);
  for (const [name, type] of Object.values(V9_VENDOR_ELEMENTS)) add(snakeCase(name), type);
  properties.type = { type: 'keyword', ignore_above: 1024 };
  properties.exporter = {
    properties: {
      address: { type: 'keyword', ignore_above: 1024 },
      source_id: { type: 'long' },
      timestamp: { type: 'date' },
      uptime_millis: { type: 'long' },
      version: { type: 'integer' },
    },
  };
  properties.sampling_rate = { type: 'long' };
  return properties;
}

const k = { type: 'keyword', ignore_above: 1024 };
const endpoint = {
  properties: {
    ip: { type: 'ip' },
    port: { type: 'long' },
    locality: k,
    bytes: { type: 'long' },
    packets: { type: 'long' },
    mac: k,
  },
};

/**
 * The integration's template on this cluster: `logs@settings` (best_compression, ignore_malformed) and ECS's
 * types for the ECS fields with keyword for strings, the package's types for `netflow.*`. `constant_keyword`,
 * which the OSS node lacks, is `keyword` here.
 */
export function integrationTemplate(): Record<string, unknown> {
  return {
    index_patterns: [`logs-${INTEGRATION_DATASET}-*`],
    priority: 300,
    template: {
      settings: {
        'index.number_of_shards': 1,
        'index.number_of_replicas': 0,
        'index.codec': 'best_compression',
        'index.mapping.ignore_malformed': true,
        'index.final_pipeline': INTEGRATION_PIPELINE,
      },
      mappings: {
        date_detection: false,
        dynamic_templates: [
          {
            strings_as_keyword: {
              match_mapping_type: 'string',
              mapping: { type: 'keyword', ignore_above: 1024 },
            },
          },
        ],
        properties: {
          '@timestamp': { type: 'date' },
          ecs: { properties: { version: k } },
          data_stream: { properties: { type: k, dataset: k, namespace: k } },
          input: { properties: { type: k } },
          event: {
            properties: {
              action: k,
              category: k,
              kind: k,
              type: k,
              dataset: k,
              module: k,
              created: { type: 'date' },
              start: { type: 'date' },
              end: { type: 'date' },
              ingested: { type: 'date' },
              duration: { type: 'long' },
            },
          },
          source: endpoint,
          destination: endpoint,
          flow: { properties: { id: k, locality: k } },
          network: {
            properties: {
              bytes: { type: 'long' },
              packets: { type: 'long' },
              community_id: k,
              direction: k,
              iana_number: k,
              transport: k,
            },
          },
          observer: { properties: { ip: { type: 'ip' } } },
          related: { properties: { ip: { type: 'ip' } } },
          netflow: { properties: netflowProperties() },
        },
      },
    },
  };
}

/** Fleet's final pipeline sets `event.ingested` on every document of an integration. */
export const INTEGRATION_PIPELINE_BODY = {
  description: "bench: as Fleet's final pipeline, event.ingested",
  processors: [{ set: { field: 'event.ingested', value: '{{{_ingest.timestamp}}}' } }],
};

/** The parts of one fixture flow's integration document that do not change from copy to copy. */
interface Fixed {
  netflow: unknown;
  flowId: string;
  communityId: string | undefined;
  locality: [string, string];
  direction: string;
}

const fixed = new WeakMap<object, Fixed>();

function fixedOf(f: FlowFacts, networks: LocalNetworks): Fixed {
  const key = (f.extra?.netflow ?? f) as object;
  let value = fixed.get(key);
  if (value === undefined) {
    const src = networks.locality(f.sourceIp);
    const dst = networks.locality(f.destinationIp);
    // Filebeat's flow.id: a short hash of the flow's key, the same for every record of that flow.
    const tuple = `${f.observer?.ip}|${f.protocol}|${f.sourceIp}|${f.sourcePort}|${f.destinationIp}|${f.destinationPort}`;
    value = {
      netflow: JSON.parse(JSON.stringify(f.extra?.netflow ?? {})),
      flowId: createHash('sha1').update(tuple).digest('base64url').slice(0, 11),
      communityId: tryCommunityId(f.protocol, f.sourceIp, f.sourcePort, f.destinationIp, f.destinationPort),
      locality: [src, dst],
      direction: networks.direction(src, dst),
    };
    fixed.set(key, value);
  }
  return value;
}

/** One flow as the integration writes it (JSON). `f` is a replayed copy whose `extra` is its fixture flow's. */
export function integrationDocument(
  f: FlowFacts,
  networks: LocalNetworks,
  namespace: string,
  now: number,
): string {
  const x = fixedOf(f, networks);
  const iso = (ms: number) => new Date(ms).toISOString();
  const side = (ip: string, port: number | undefined, bytes?: number, packets?: number, mac?: string) => ({
    ip,
    ...(port === undefined ? {} : { port }),
    ...(bytes === undefined ? {} : { bytes }),
    ...(packets === undefined ? {} : { packets }),
    ...(mac === undefined ? {} : { mac }),
  });
  const source = side(f.sourceIp, f.sourcePort, f.bytes, f.packets, f.sourceMac);
  const destination = side(
    f.destinationIp,
    f.destinationPort,
    f.reverseBytes,
    f.reversePackets,
    f.destinationMac,
  );
  const bytes = (f.bytes ?? 0) + (f.reverseBytes ?? 0);
  const packets = (f.packets ?? 0) + (f.reversePackets ?? 0);
  const doc = {
    '@timestamp': iso(f.end ?? f.start ?? now),
    ecs: { version: ECS_VERSION },
    data_stream: { type: 'logs', dataset: INTEGRATION_DATASET, namespace },
    input: { type: 'netflow' },
    event: {
      action: 'netflow_flow',
      category: ['network_traffic', 'network'],
      kind: 'event',
      type: ['connection'],
      dataset: INTEGRATION_DATASET,
      module: 'netflow',
      created: iso(now),
      ...(f.start === undefined ? {} : { start: iso(f.start) }),
      ...(f.end === undefined ? {} : { end: iso(f.end) }),
      ...(f.start === undefined || f.end === undefined
        ? {}
        : { duration: Math.round((f.end - f.start) * 1e6) }),
    },
    source: { ...source, locality: x.locality[0] },
    destination: { ...destination, locality: x.locality[1] },
    flow: {
      id: x.flowId,
      locality: x.locality[0] === 'internal' && x.locality[1] === 'internal' ? 'internal' : 'external',
    },
    network: {
      bytes,
      packets,
      ...(x.communityId === undefined ? {} : { community_id: x.communityId }),
      direction: x.direction,
      iana_number: f.protocol,
      transport: transportName(f.protocol),
    },
    observer: { ip: f.observer?.ip },
    related: { ip: f.sourceIp === f.destinationIp ? [f.sourceIp] : [f.sourceIp, f.destinationIp] },
    netflow: x.netflow,
  };
  return JSON.stringify(doc);
}
