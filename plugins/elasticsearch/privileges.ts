import { ConfigError } from '../../src/errors.js';
import type { ClusterCapabilities } from './capabilities.js';
import { rethrowAccess } from './capabilities.js';
import { type EsClient, EsError } from './client.js';

/** Every index and data stream flowtrail writes matches it. */
export const INDEX_PATTERN = 'logs-flowtrail.*';

export interface Privileges {
  cluster: string[];
  indices: string[];
}

/**
 * What `collect` and `ingest` need: the version (`monitor`), creating documents and the data streams or daily
 * indices they go to, reading ids back before a replay is written; where flowtrail enforces retention itself,
 * rolling data streams over and deleting expired indices.
 */
export function writerPrivileges(cluster: ClusterCapabilities): Privileges {
  const retention = cluster.retentionMode === 'flowtrail' ? ['manage', 'delete_index'] : [];
  return { cluster: ['monitor'], indices: ['create_doc', 'auto_configure', 'read', ...retention] };
}

/** What `setup` needs beyond the writer's: installing templates (and ILM policies where ILM keeps retention). */
export function setupPrivileges(cluster: ClusterCapabilities): Privileges {
  const writer = writerPrivileges(cluster);
  const ilm = cluster.retentionMode === 'ilm' ? ['manage_ilm'] : [];
  return { cluster: [...writer.cluster, 'manage_index_templates', ...ilm], indices: writer.indices };
}

export type PrivilegeCheck = { checked: true } | { checked: false; why: string };

interface HasPrivileges {
  cluster?: Record<string, boolean>;
  index?: Record<string, Record<string, boolean>>;
}

/** How long a cluster that has just started may take to open its security index. */
const SECURITY_INDEX_WAIT_MS = 60_000;

/**
 * A node that has just started answers 503 (the security index's shard is not yet available) until it has opened
 * its security index; that is the cluster starting, not a refusal.
 */
async function askWhileSecurityStarts<T>(ask: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + SECURITY_INDEX_WAIT_MS;
  for (;;) {
    try {
      return await ask();
    } catch (err) {
      if (!(err instanceof EsError) || err.status !== 503 || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/**
 * Asks Elasticsearch whether the current user or API key holds `wanted` (`_has_privileges`, which anyone may
 * ask about themselves) and throws a ConfigError naming each privilege it lacks. OpenSearch's security plugin has
 * no such question, and servers without security grant everything: the result says that nothing was checked.
 */
export async function checkPrivileges(
  client: EsClient,
  cluster: ClusterCapabilities,
  wanted: Privileges,
  doing: string,
): Promise<PrivilegeCheck> {
  if (cluster.distribution === 'opensearch')
    return {
      checked: false,
      why: 'OpenSearch has no privilege query; refusals are reported when they happen',
    };
  if (cluster.flavor !== 'default' && cluster.version.startsWith('7.'))
    return { checked: false, why: 'Elasticsearch OSS has no security' };
  let answer: HasPrivileges;
  try {
    const response = await askWhileSecurityStarts(() =>
      client.request<HasPrivileges>({
        method: 'POST',
        path: '/_security/user/_has_privileges',
        body: { cluster: wanted.cluster, index: [{ names: [INDEX_PATTERN], privileges: wanted.indices }] },
        ignore: [400, 404, 500],
      }),
    );
    if (response.status !== 200) return { checked: false, why: 'security is not enabled on this cluster' };
    answer = response.body;
  } catch (err) {
    rethrowAccess(err, client.target, 'checking privileges (_has_privileges)');
  }
  const missing = [
    ...wanted.cluster.filter((p) => answer.cluster?.[p] !== true).map((p) => `cluster privilege \`${p}\``),
    ...wanted.indices
      .filter((p) => answer.index?.[INDEX_PATTERN]?.[p] !== true)
      .map((p) => `index privilege \`${p}\` on ${INDEX_PATTERN}`),
  ];
  if (missing.length > 0) {
    throw new ConfigError(
      `elasticsearch at ${client.target}: the user or API key lacks ${missing.join(', ')}, needed for ${doing}; ` +
        'see "Privileges" in the README',
    );
  }
  return { checked: true };
}
