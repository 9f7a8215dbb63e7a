import { createHash } from 'node:crypto';
import {
  BASE_FIELDS,
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
}

export interface TemplateSet {
  componentTemplates: Record<string, Record<string, unknown>>;
  indexTemplates: Record<string, Record<string, unknown>>;
  /** ILM policies, only in `ilm` mode. */
  ilmPolicies: Record<string, Record<string, unknown>>;
}

export const SETTINGS_COMPONENT = 'flowtrail-settings';
export const ECS_COMPONENT = 'flowtrail-ecs-mappings';

type MappingNode = { type?: string; properties?: Record<string, MappingNode>; [key: string]: unknown };

function mappingFor(spec: FieldSpec): MappingNode {
  if (spec.stored_only) return { type: spec.type, index: false, doc_values: false };
  if (spec.type === 'keyword') return { type: 'keyword', ignore_above: 1024 };
  return { type: spec.type };
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
// keywords, address-named NetFlow elements become `ip`, so new vendor fields never break indexing.
const DYNAMIC_TEMPLATES = [
  { netflow_ipv4: { path_match: 'netflow.*ipv4_address', mapping: { type: 'ip' } } },
  { netflow_ipv6: { path_match: 'netflow.*ipv6_address', mapping: { type: 'ip' } } },
  { strings_as_keywords: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
];

function days(ms: number): string {
  return `${Math.max(1, Math.round(ms / 86_400_000))}d`;
}

export function indexTemplateName(stream: DataStreamSpec): string {
  return `logs-${stream.dataset}`;
}

export function streamComponentName(stream: DataStreamSpec): string {
  return `${stream.dataset.replace(/\./g, '-')}-mappings`;
}

export function ilmPolicyName(kind: RetentionKind): string {
  return `flowtrail-${kind}`;
}

export function buildTemplates(options: TemplateOptions, version: string): TemplateSet {
  const componentTemplates: TemplateSet['componentTemplates'] = {
    [SETTINGS_COMPONENT]: {
      template: { settings: { 'index.number_of_shards': 1, 'index.auto_expand_replicas': '0-1' } },
    },
    [ECS_COMPONENT]: {
      template: {
        mappings: { dynamic_templates: DYNAMIC_TEMPLATES, properties: toProperties(BASE_FIELDS) },
      },
    },
  };
  const indexTemplates: TemplateSet['indexTemplates'] = {};
  const ilmPolicies: TemplateSet['ilmPolicies'] = {};

  for (const stream of DATA_STREAMS) {
    const component = streamComponentName(stream);
    componentTemplates[component] = { template: { mappings: { properties: toProperties(stream.fields) } } };
    const retention = options.retentionMs[stream.retention];
    const template: Record<string, unknown> = {};
    if (options.retentionMode === 'lifecycle') template.lifecycle = { data_retention: days(retention) };
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
      index_patterns: [`logs-${stream.dataset}-*`],
      ...(options.indexMode === 'data_stream' ? { data_stream: {} } : {}),
      priority: 200,
      composed_of: [SETTINGS_COMPONENT, ECS_COMPONENT, component],
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

  for (const body of Object.values(componentTemplates)) body._meta = { managed_by: 'flowtrail' };
  for (const group of [componentTemplates, indexTemplates, ilmPolicies]) {
    for (const body of Object.values(group)) stamp(body, version);
  }
  return { componentTemplates, indexTemplates, ilmPolicies };
}

/** A content hash in `_meta`, so `setup` can tell unchanged from changed without comparing ES's normalized copy. */
function stamp(body: Record<string, unknown>, version: string): void {
  const target = (body.policy as Record<string, unknown> | undefined) ?? body;
  const meta = (target._meta ?? {}) as Record<string, unknown>;
  delete target._meta;
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16);
  target._meta = { ...meta, flowtrail_version: version, hash };
}
