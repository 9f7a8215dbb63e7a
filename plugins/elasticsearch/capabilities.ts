import { ConfigError } from '../../src/errors.js';
import type { IndexMode } from '../../src/store/naming.js';
import { type EsClient, EsError } from './client.js';
import type { RetentionMode } from './templates.js';

export type Distribution = 'elasticsearch' | 'opensearch';

export interface ClusterCapabilities {
  version: string;
  distribution: Distribution;
  /** `oss` for Elasticsearch's Apache-licensed builds (no data streams, no ILM, no security). */
  flavor: string;
  indexMode: IndexMode;
  retentionMode: RetentionMode;
}

export interface RootInfo {
  version?: { number?: string; distribution?: string; build_flavor?: string };
}

function versionParts(version: string): [number, number] {
  const [major, minor] = version.split('.').map((part) => Number.parseInt(part, 10));
  return [major || 0, minor || 0];
}

/**
 * A refusal that retrying cannot cure: the credentials or the privileges. Said as a configuration error, with what
 * to change, so that no caller mistakes it for an outage.
 */
export function accessError(err: EsError, target: string, doing: string): ConfigError {
  if (err.failure === 'unauthorized') {
    return new ConfigError(
      `elasticsearch at ${target} refused the credentials while ${doing} (401): check elasticsearch.api_key, ` +
        'api_key_file or username/password (or FLOWTRAIL_ES_API_KEY, FLOWTRAIL_ES_USERNAME/PASSWORD)',
    );
  }
  return new ConfigError(
    `elasticsearch at ${target} denied ${doing} (403): the user or API key lacks a privilege; see ` +
      `"Privileges" in the README. The server said: ${err.message}`,
  );
}

/** Throws a ConfigError for 401/403, an EsError for everything else. */
export function rethrowAccess(err: unknown, target: string, doing: string): never {
  if (err instanceof EsError && (err.failure === 'unauthorized' || err.failure === 'forbidden'))
    throw accessError(err, target, doing);
  throw err;
}

/**
 * What the server is and offers, from its root answer alone: asking for features and reading a refusal as
 * "absent" would make a key without a privilege look like a server without the feature.
 * - OpenSearch: data streams (core since 1.0); retention by flowtrail (index state management is a plugin that
 *   flowtrail does not configure).
 * - Elasticsearch 7.10+ default distribution: data streams, retention by ILM, or by data stream lifecycle (8.11+).
 * - Elasticsearch 7.x OSS: daily indices, retention by flowtrail.
 * Throws EsError when the server cannot be reached, ConfigError when it refuses us or is not supported.
 */
export async function detectCapabilities(client: EsClient): Promise<ClusterCapabilities> {
  let info: RootInfo;
  try {
    info = (await client.request<RootInfo>({ method: 'GET', path: '/' })).body;
  } catch (err) {
    rethrowAccess(err, client.target, 'reading its version (GET /, cluster privilege `monitor`)');
  }
  return capabilitiesOf(info, client.target);
}

/** The capabilities of a server given its answer to `GET /`. */
export function capabilitiesOf(info: RootInfo, target: string): ClusterCapabilities {
  const version = info.version?.number;
  if (typeof version !== 'string') {
    throw new ConfigError(`${target} does not answer like Elasticsearch or OpenSearch (no version.number)`);
  }
  const distribution: Distribution =
    info.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
  const flavor = info.version?.build_flavor ?? 'default';
  const [major, minor] = versionParts(version);
  if (distribution === 'opensearch') {
    if (major < 1 || major > 3) throw unsupported(target, `OpenSearch ${version}`);
    return { version, distribution, flavor, indexMode: 'data_stream', retentionMode: 'flowtrail' };
  }
  if (major < 7 || (major === 7 && minor < 10) || major > 9)
    throw unsupported(target, `Elasticsearch ${version}`);
  // OSS builds say `oss` (the embedded runner says `unknown`); only the default distribution has x-pack.
  if (major === 7 && flavor !== 'default')
    return { version, distribution, flavor, indexMode: 'daily', retentionMode: 'flowtrail' };
  const lifecycle = major > 8 || (major === 8 && minor >= 11);
  return {
    version,
    distribution,
    flavor,
    indexMode: 'data_stream',
    retentionMode: lifecycle ? 'lifecycle' : 'ilm',
  };
}

function unsupported(target: string, what: string): ConfigError {
  return new ConfigError(
    `${target} runs ${what}; flowtrail supports Elasticsearch 7.10 to 9.x and OpenSearch 1.x to 3.x`,
  );
}
