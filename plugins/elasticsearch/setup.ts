import type { RetentionKind } from '../../src/schema/fields.js';
import { type ClusterCapabilities, detectCapabilities, rethrowAccess } from './capabilities.js';
import type { EsClient } from './client.js';
import { checkPrivileges, type PrivilegeCheck, setupPrivileges } from './privileges.js';
import { enforceRetention, type IndexAge, type RetentionRun } from './retention.js';
import { buildTemplates, descriptionHash, type TemplateSet } from './templates.js';

export type ChangeKind = 'created' | 'updated' | 'unchanged';

export interface SetupChange {
  kind: 'ilm_policy' | 'ingest_pipeline' | 'component_template' | 'index_template';
  name: string;
  change: ChangeKind;
}

export interface SetupReport {
  cluster: ClusterCapabilities;
  changes: SetupChange[];
  /** What was deleted and rolled over, on clusters where flowtrail enforces retention itself. */
  retention: RetentionRun;
  /** Whether the privileges of `setup` and of the writer could be checked (see the README's "Privileges"). */
  privileges: PrivilegeCheck;
}

type Meta = { hash?: string } | undefined;
type Json = Record<string, unknown>;

interface Resource {
  path: string;
  /** Where the installed copy keeps our `_meta`, given the GET response body. */
  installedMeta: (body: Json) => Meta;
  /** The same in the body flowtrail sends. */
  ownMeta: (body: Json) => Meta;
}

function dig(value: unknown, ...keys: Array<string | number>): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

const RESOURCES: Record<SetupChange['kind'], Resource> = {
  ilm_policy: {
    path: '/_ilm/policy/',
    installedMeta: (b) => dig(Object.values(b)[0], 'policy', '_meta') as Meta,
    ownMeta: (b) => dig(b, 'policy', '_meta') as Meta,
  },
  ingest_pipeline: {
    path: '/_ingest/pipeline/',
    installedMeta: (b) => ({ hash: descriptionHash(dig(Object.values(b)[0], 'description')) }),
    ownMeta: (b) => ({ hash: descriptionHash(b.description) }),
  },
  component_template: {
    path: '/_component_template/',
    installedMeta: (b) => dig(b, 'component_templates', 0, 'component_template', '_meta') as Meta,
    ownMeta: (b) => b._meta as Meta,
  },
  index_template: {
    path: '/_index_template/',
    installedMeta: (b) => dig(b, 'index_templates', 0, 'index_template', '_meta') as Meta,
    ownMeta: (b) => b._meta as Meta,
  },
};

async function installedHash(client: EsClient, path: string, resource: Resource): Promise<string | null> {
  const response = await client.request<Json>({ method: 'GET', path, ignore: [404] });
  if (response.status === 404) return null;
  return resource.installedMeta(response.body)?.hash ?? '';
}

/** Names of the cluster's component templates, so flowtrail's templates compose the hooks that exist. */
async function componentTemplateNames(client: EsClient): Promise<Set<string>> {
  const response = await client.request<Json>({ method: 'GET', path: '/_component_template' });
  const list = dig(response.body, 'component_templates');
  return new Set(Array.isArray(list) ? list.map((t) => String(dig(t, 'name'))) : []);
}

/**
 * Installs flowtrail's ILM policies (where the cluster has ILM), ingest pipeline, component and index templates.
 * Idempotent: an object whose content hash matches is left alone, and the report says what was created, updated
 * or unchanged.
 */
export async function setupElasticsearch(
  client: EsClient,
  options: {
    retentionMs: Record<RetentionKind, number>;
    version: string;
    beforeDelete?: (expired: readonly IndexAge[]) => Promise<void>;
  },
): Promise<SetupReport> {
  const cluster = await detectCapabilities(client);
  const privileges = await checkPrivileges(client, cluster, setupPrivileges(cluster), '`flowtrail setup`');
  try {
    const changes = await installWithMappers(client, cluster, options);
    const retention =
      cluster.retentionMode === 'flowtrail'
        ? await enforceRetention(client, cluster, options.retentionMs, Date.now(), options.beforeDelete)
        : { deleted: [], rolledOver: [] };
    return { cluster, changes, retention, privileges };
  } catch (err) {
    rethrowAccess(err, client.target, 'installing templates or enforcing retention');
  }
}

/** The message Elasticsearch gives for a template using a field type whose mapper module it does not have. */
const NO_CONSTANT_KEYWORD = /(No handler for type|The mapper type) \[constant_keyword\]/;

/**
 * Installs with `constant_keyword` for data_stream.* where the distribution ships it, and with `keyword` on a
 * cluster that lacks the mapper module (OpenSearch, or an Elasticsearch built without it): the fields' values are
 * the same either way, only the storage of a per-index constant differs.
 */
async function installWithMappers(
  client: EsClient,
  cluster: ClusterCapabilities,
  options: { retentionMs: Record<RetentionKind, number>; version: string },
): Promise<SetupChange[]> {
  const preferred = cluster.distribution !== 'opensearch';
  const created: SetupChange[] = [];
  try {
    return await install(client, cluster, options, preferred, created);
  } catch (err) {
    if (!preferred || !(err instanceof Error) || !NO_CONSTANT_KEYWORD.test(err.message)) throw err;
    const firstPass = new Set(
      created.filter((c) => c.change === 'created').map((c) => `${c.kind}/${c.name}`),
    );
    const changes = await install(client, cluster, options, false, []);
    return changes.map((c) => (firstPass.has(`${c.kind}/${c.name}`) ? { ...c, change: 'created' } : c));
  }
}

async function install(
  client: EsClient,
  cluster: ClusterCapabilities,
  options: { retentionMs: Record<RetentionKind, number>; version: string },
  constantKeyword: boolean,
  changes: SetupChange[],
): Promise<SetupChange[]> {
  const templates: TemplateSet = buildTemplates(
    {
      retentionMs: options.retentionMs,
      retentionMode: cluster.retentionMode,
      indexMode: cluster.indexMode,
      existingComponents: await componentTemplateNames(client),
      constantKeyword,
    },
    options.version,
  );
  const groups: Array<[SetupChange['kind'], Record<string, Record<string, unknown>>]> = [
    ['ilm_policy', templates.ilmPolicies],
    ['ingest_pipeline', templates.ingestPipelines],
    ['component_template', templates.componentTemplates],
    ['index_template', templates.indexTemplates],
  ];
  for (const [kind, objects] of groups) {
    const resource = RESOURCES[kind];
    for (const [name, body] of Object.entries(objects)) {
      const path = `${resource.path}${encodeURIComponent(name)}`;
      const wanted = resource.ownMeta(body)?.hash;
      const existing = await installedHash(client, path, resource);
      if (existing === wanted) {
        changes.push({ kind, name, change: 'unchanged' });
        continue;
      }
      await client.request({ method: 'PUT', path, body });
      changes.push({ kind, name, change: existing === null ? 'created' : 'updated' });
    }
  }
  return changes;
}
