import type { Logger } from 'pino';
import {
  createClient,
  type ElasticsearchConnection,
  type EsClient,
} from '../../plugins/elasticsearch/client.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { UsageError } from '../../src/errors.js';
import { stackStatus } from '../../src/stack/index.js';
import type { StoreClient } from '../../src/store/client.js';
import { dataDirOf } from './paths.js';

export interface ResolvedElasticsearch {
  connection: ElasticsearchConnection;
  /** True when this is the local node flowtrail provisions itself. */
  embedded: boolean;
}

/**
 * Which cluster to write to: FLOWTRAIL_ES_URL, else `elasticsearch.url` from the config, else the embedded local
 * stack (which must be running: `flowtrail up` or `flowtrail stack up` start it).
 */
export async function resolveElasticsearch(
  config: FlowtrailConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedElasticsearch> {
  const es = config.elasticsearch;
  const common = {
    apiKey: es.api_key,
    apiKeyFile: es.api_key_file,
    username: es.username,
    password: es.password,
    passwordFile: es.password_file,
    caFile: es.ca_file,
    caFingerprint: es.ca_fingerprint,
    tlsVerify: es.tls_verify,
    compression: es.compression,
    requestTimeoutMs: es.request_timeout,
  };
  const url = env.FLOWTRAIL_ES_URL || es.url;
  if (url) return { connection: { url, ...common }, embedded: false };
  if (es.urls) return { connection: { urls: es.urls, ...common }, embedded: false };
  if (es.cloud_id) return { connection: { cloudId: es.cloud_id, ...common }, embedded: false };
  const status = await stackStatus(dataDirOf(config));
  if (!status.state || status.elasticsearch === 'down') {
    throw new UsageError(
      'no Elasticsearch to write to: set elasticsearch.url (or cloud_id) in the config or FLOWTRAIL_ES_URL, ' +
        'or start the embedded one with `flowtrail stack up` (or use `flowtrail up`)',
    );
  }
  const nodes = status.state.elasticsearch.httpPorts.map((port) => `http://127.0.0.1:${port}`);
  return { connection: { url: status.state.elasticsearch.url, urls: nodes, ...common }, embedded: true };
}

/** Secret files that others can read are warned about through `logger` (the secret itself never is). */
export async function connect(
  config: FlowtrailConfig,
  logger?: Logger,
): Promise<{ client: EsClient; store: StoreClient; resolved: ResolvedElasticsearch }> {
  const resolved = await resolveElasticsearch(config);
  const client = createClient(resolved.connection, { warn: (message) => logger?.warn(message) });
  return { client, store: elasticsearchStore(client), resolved };
}
