import { createHash } from 'node:crypto';
import {
  BASE_FIELDS,
  DATA_STREAM_FIELDS,
  DATA_STREAMS,
  type DataStreamSpec,
  type FieldSpec,
  type RetentionKind,
} from '../../src/schema/fields.js';
import type { IndexMode } from '../../src/store/naming.js';

/** How a cluster can expire old data; `setup` picks the best one the cluster has. */
export type RetentionMode = 'lifecycle' | 'ilm' | 'flowtrail';

export interface TemplateOptions {
  retentionMs: Record<RetentionKind, number>;
  retentionMode: RetentionMode;
  indexMode: IndexMode;
  /**
   * Component templates the cluster already has: Elastic's `logs@settings` and `ecs@mappings` and the users'
   * `@custom` hooks (HOOKS) among them are composed into flowtrail's templates as Elastic composes its own.
   */
  existingComponents?: ReadonlySet<string>;
  /** Whether the cluster maps `constant_keyword` (Elasticsearch's default distribution); else `keyword`. */
  constantKeyword?: boolean;
}

export interface TemplateSet {
  componentTemplates: Record<string, Record<string, unknown>>;
  indexTemplates: Record<string, Record<string, unknown>>;
  /** ILM policies, only in `ilm` mode. */
  ilmPolicies: Record<string, Record<string, unknown>>;
  /** The ingest pipeline every flowtrail index runs last (`index.final_pipeline`). */
  ingestPipelines: Record<string, Record<string, unknown>>;
}

export const SETTINGS_COMPONENT = 'flowtrail-settings';
export const ECS_COMPONENT = 'flowtrail-ecs-mappings';
export const INGEST_PIPELINE = 'flowtrail-ingest';

/** Elastic's components for every `logs-*-*` stream, where the cluster has them (8.x). */
export const LOGS_SETTINGS = 'logs@settings';
export const ECS_MAPPINGS = 'ecs@mappings';
export const LOGS_CUSTOM = 'logs@custom';

/** The hook users put their own settings and mappings for one template in, as for Elastic's integrations. */
export function customComponentName(stream: DataStreamSpec): string {
  return `${indexTemplateName(stream)}@custom`;
}

/** Priorities: above Elastic's `logs` template (100); a dataset's own above its family's. */
const PRIORITY = { dataset: 200, family: 150 };

type MappingNode = { type?: string; properties?: Record<string, MappingNode>; [key: string]: unknown };

function mappingFor(spec: FieldSpec): MappingNode {
  if (spec.stored_only) return { type: spec.type, index: false, doc_values: false };
  if (spec.type === 'keyword') return { type: 'keyword', ignore_above: 1024 };
  // ECS's match_only_text has no norms: nothing ranks documents by the length of their message.
  if (spec.type === 'text') return { type: 'text', norms: false };
  return { type: spec.type };
}

/** `data_stream.*` for one stream: the type and (for a dataset's own template) the dataset are known here. */
function dataStreamProperties(stream: DataStreamSpec, constantKeyword: boolean): Record<string, MappingNode> {
  const properties = toProperties(DATA_STREAM_FIELDS);
  const members = (properties.data_stream as MappingNode).properties as Record<string, MappingNode>;
  if (!constantKeyword) {
    for (const member of Object.values(members)) member.type = 'keyword';
    return properties;
  }
  members.type.value = 'logs';
  if (!stream.family) members.dataset.value = stream.dataset;
  return properties;
}

/** Dotted ECS names to nested `properties`. */
export function toProperties(fields: Record<string, FieldSpec>): Record<string, MappingNode> {
  const root: Record<string, MappingNode> = {};
  for (const [name, spec] of Object.entries(fields)) {
    const parts = name.split('.');
    let level = root;
    for (const part of parts.slice(0, -1)) {
      level[part] ??= { properties: {} };
      const node = level[part];
      node.properties ??= {};
      level = node.properties;
    }
    level[parts[parts.length - 1]] = mappingFor(spec);
  }
  return root;
}

// Tool-specific namespaces (netflow.*, zeek.*, suricata.*, snort.*) vary by exporter and version: strings become
// keywords, address-named NetFlow elements become `ip`, fractions `double`, so new vendor fields never break
// indexing and none is left to Elasticsearch's defaults (text with a keyword beside it, float). Dates are not
// guessed from strings (`date_detection: false`): a tool's time that looks like one in one version and not the
// next would otherwise fail documents.
//
// `netflow.*` (but its exporter, mapped in fields.ts) is kept in `_source` only: no report, correlation, detection,
// console page or Kibana object searches it (its addresses, ports, counters and times are the ECS fields' values
// again), and indexing its dozens of elements per flow was most of what a flow cost Elasticsearch.
const STORED_ONLY = { index: false, doc_values: false };
const NETFLOW_STORED_ONLY = [
  { netflow_ipv4: { path_match: 'netflow.*ipv4_address', mapping: { type: 'ip', ...STORED_ONLY } } },
  { netflow_ipv6: { path_match: 'netflow.*ipv6_address', mapping: { type: 'ip', ...STORED_ONLY } } },
  {
    netflow_strings: {
      path_match: 'netflow.*',
      match_mapping_type: 'string',
      mapping: { type: 'keyword', ignore_above: 1024, ...STORED_ONLY },
    },
  },
  {
    netflow_integers: {
      path_match: 'netflow.*',
      match_mapping_type: 'long',
      mapping: { type: 'long', ...STORED_ONLY },
    },
  },
  {
    netflow_fractions: {
      path_match: 'netflow.*',
      match_mapping_type: 'double',
      mapping: { type: 'double', ...STORED_ONLY },
    },
  },
  {
    netflow_booleans: {
      path_match: 'netflow.*',
      match_mapping_type: 'boolean',
      mapping: { type: 'boolean', ...STORED_ONLY },
    },
  },
];
const DYNAMIC_TEMPLATES = [
  ...NETFLOW_STORED_ONLY,
  { strings_as_keywords: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
  { fractions_as_doubles: { match_mapping_type: 'double', mapping: { type: 'double' } } },
];

/**
 * `event.ingested` is when the store received the event (ECS), so the store sets it: a final pipeline runs after
 * any other, whatever a user's `@custom` settings name as the default one. On data streams it also fills
 * `data_stream.*` from the stream's name (`logs-<dataset>-<namespace>`), which only the store knows.
 */
function ingestPipeline(indexMode: IndexMode): Record<string, unknown> {
  const processors: Array<Record<string, unknown>> = [
    { set: { field: 'event.ingested', value: '{{{_ingest.timestamp}}}' } },
  ];
  if (indexMode === 'data_stream') {
    processors.push({
      dissect: {
        field: '_index',
        pattern: '%{data_stream.type}-%{data_stream.dataset}-%{data_stream.namespace}',
        ignore_failure: true,
      },
    });
  }
  return { description: 'flowtrail: event.ingested, and data_stream.* on data streams', processors };
}

function days(ms: number): string {
  return `${Math.max(1, Math.round(ms / 86_400_000))}d`;
}

export function indexTemplateName(stream: DataStreamSpec): string {
  return stream.family ? `logs-${stream.dataset}any` : `logs-${stream.dataset}`;
}

export function streamComponentName(stream: DataStreamSpec): string {
  return `${indexTemplateName(stream).slice('logs-'.length).replace(/\./g, '-')}-mappings`;
}

export function ilmPolicyName(kind: RetentionKind): string {
  return `flowtrail-${kind}`;
}

function indexPatterns(stream: DataStreamSpec): string[] {
  return stream.family ? [`logs-${stream.dataset}*`] : [`logs-${stream.dataset}-*`];
}

export function buildTemplates(options: TemplateOptions, version: string): TemplateSet {
  const existing = options.existingComponents ?? new Set<string>();
  const ifPresent = (name: string) => (existing.has(name) ? [name] : []);
  const componentTemplates: TemplateSet['componentTemplates'] = {
    [SETTINGS_COMPONENT]: {
      template: {
        settings: {
          'index.number_of_shards': 1,
          'index.auto_expand_replicas': '0-1',
          'index.final_pipeline': INGEST_PIPELINE,
        },
      },
    },
    [ECS_COMPONENT]: {
      template: {
        mappings: {
          date_detection: false,
          dynamic_templates: DYNAMIC_TEMPLATES,
          properties: toProperties(BASE_FIELDS),
        },
      },
    },
  };
  const indexTemplates: TemplateSet['indexTemplates'] = {};
  const ilmPolicies: TemplateSet['ilmPolicies'] = {};

  for (const stream of DATA_STREAMS) {
    const component = streamComponentName(stream);
    const properties = toProperties(stream.fields);
    if (options.indexMode === 'data_stream') {
      Object.assign(properties, dataStreamProperties(stream, options.constantKeyword ?? true));
    }
    componentTemplates[component] = {
      template: {
        mappings: { _meta: { managed_by: 'flowtrail', dataset: stream.dataset }, properties },
      },
    };
    const retention = options.retentionMs[stream.retention];
    const template: Record<string, unknown> = {};
    if (options.retentionMode === 'lifecycle') {
      template.lifecycle = { data_retention: days(retention) };
      // logs@settings names Elastic's `logs` ILM policy, which would otherwise win over the lifecycle.
      if (existing.has(LOGS_SETTINGS)) template.settings = { 'index.lifecycle.prefer_ilm': false };
    }
    if (options.retentionMode === 'ilm') {
      const policy = ilmPolicyName(stream.retention);
      template.settings = { 'index.lifecycle.name': policy };
      ilmPolicies[policy] = {
        policy: {
          phases: {
            hot: { actions: { rollover: { max_age: '1d', max_primary_shard_size: '50gb' } } },
            delete: { min_age: days(retention), actions: { delete: {} } },
          },
          _meta: { managed_by: 'flowtrail' },
        },
      };
    }
    indexTemplates[indexTemplateName(stream)] = {
      index_patterns: indexPatterns(stream),
      ...(options.indexMode === 'data_stream' ? { data_stream: {} } : {}),
      priority: stream.family ? PRIORITY.family : PRIORITY.dataset,
      // In the order Elastic composes an integration's template: cluster settings, the package's own, the users'
      // hooks, then ECS's dynamic mappings for whatever none of them maps.
      composed_of: [
        ...ifPresent(LOGS_SETTINGS),
        SETTINGS_COMPONENT,
        ECS_COMPONENT,
        component,
        ...ifPresent(LOGS_CUSTOM),
        ...ifPresent(customComponentName(stream)),
        ...ifPresent(ECS_MAPPINGS),
      ],
      ...(Object.keys(template).length > 0 ? { template } : {}),
      _meta: {
        managed_by: 'flowtrail',
        description: stream.description,
        retention: days(retention),
        retention_mode: options.retentionMode,
        index_mode: options.indexMode,
      },
    };
  }

  const ingestPipelines = { [INGEST_PIPELINE]: ingestPipeline(options.indexMode) };
  for (const body of Object.values(componentTemplates)) body._meta = { managed_by: 'flowtrail' };
  for (const group of [componentTemplates, indexTemplates, ilmPolicies]) {
    for (const body of Object.values(group)) stamp(body, version);
  }
  for (const body of Object.values(ingestPipelines)) stampDescription(body, version);
  return { componentTemplates, indexTemplates, ilmPolicies, ingestPipelines };
}

/**
 * Ingest pipelines have no `_meta` before Elasticsearch 7.15 (and refuse unknown members), so their content hash
 * goes at the end of the description.
 */
function stampDescription(body: Record<string, unknown>, version: string): void {
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  body.description = `${body.description} (flowtrail ${version}, hash ${hash})`;
}

/** The hash `stampDescription` wrote into an installed pipeline's description. */
export function descriptionHash(description: unknown): string | undefined {
  return typeof description === 'string' ? /, hash ([0-9a-f]{16})\)$/.exec(description)?.[1] : undefined;
}

/** A content hash in `_meta`, so `setup` can tell unchanged from changed without comparing ES's normalized copy. */
function stamp(body: Record<string, unknown>, version: string): void {
  const target = (body.policy as Record<string, unknown> | undefined) ?? body;
  const meta = (target._meta ?? {}) as Record<string, unknown>;
  delete target._meta;
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  target._meta = { ...meta, flowtrail_version: version, hash };
}
