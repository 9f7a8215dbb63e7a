import { readFileSync } from 'node:fs';
import {
  errors,
  Transport,
  type TransportRequestParams,
  UndiciConnection,
  WeightedConnectionPool,
} from '@elastic/transport';
import { ConfigError } from '../../src/errors.js';
import { readSecretFile } from '../../src/util/secrets.js';
import { redactUrl } from '../../src/util/url.js';

export interface ElasticsearchConnection {
  url?: string;
  /** Every node of the cluster, `url` first when both are given: requests go around a node that fails. */
  urls?: string[];
  /** Elastic Cloud's deployment id (`name:base64`); the URL is derived from it. */
  cloudId?: string;
  apiKey?: string;
  apiKeyFile?: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  caFile?: string;
  /** SHA-256 of the CA certificate, as Elasticsearch 8 prints it at its first start. */
  caFingerprint?: string;
  tlsVerify?: boolean;
  /** gzip request bodies (and ask for gzipped answers). */
  compression?: boolean;
  requestTimeoutMs?: number;
}

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface EsRequest {
  method: Method;
  path: string;
  query?: Record<string, string | number | boolean>;
  /** A JSON body. */
  body?: unknown;
  /** An NDJSON body sent as it is (`_bulk`): the sink serializes documents once, never twice. */
  ndjson?: string | Array<Record<string, unknown>>;
  /** Statuses answered as responses instead of thrown (404 to ask whether something exists). */
  ignore?: number[];
}

export interface EsResponse<T> {
  status: number;
  body: T;
}

/** Why a request failed, in the words a user can act on. */
export type EsFailure = 'unreachable' | 'timeout' | 'unauthorized' | 'forbidden' | 'refused';

/**
 * A failed request: the server could not be reached or answered with an error status. `retryable` says whether
 * the same request may succeed later (a server down, overloaded or timing out) or never will as it is (bad
 * credentials, a missing privilege, a bad request): the latter must never be retried forever.
 */
export class EsError extends Error {
  override readonly name = 'EsError';
  constructor(
    message: string,
    readonly failure: EsFailure,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
  }

  get retryable(): boolean {
    if (this.failure === 'unreachable' || this.failure === 'timeout') return true;
    return this.status === 429 || (this.status !== undefined && this.status >= 500);
  }
}

function reasonOf(body: unknown): string {
  const error = (body as { error?: unknown } | undefined)?.error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') {
    const { type, reason } = error as { type?: string; reason?: string };
    return [type, reason].filter(Boolean).join(': ');
  }
  return typeof body === 'string' ? body.slice(0, 300) : '';
}

function toEsError(err: unknown, request: EsRequest, target: string): EsError {
  const what = `${request.method} ${request.path}`;
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const reason = reasonOf(err.body);
    const failure: EsFailure = status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'refused';
    return new EsError(`${what}: ${status} ${reason}`.trim(), failure, status, err.body);
  }
  if (err instanceof errors.TimeoutError) return new EsError(`${what}: timed out`, 'timeout');
  const message = (err as Error).message ?? String(err);
  return new EsError(`cannot reach ${target} (${what}): ${message}`, 'unreachable');
}

/**
 * One HTTP client for every server flowtrail supports: Elasticsearch 7.10 to 9.x and OpenSearch. It sends plain
 * `application/json` and `application/x-ndjson` (which all of them accept; ES 9 refuses the 7.x compatibility
 * media type, ES 7.x below 7.11 does not know the versioned one) and checks no product header (OpenSearch and the
 * OSS 7.x builds send none). The pipeline owns retries, so the transport never retries underneath it.
 */
export class EsClient {
  constructor(
    private readonly http: Transport,
    /** Where requests go, without credentials: for messages. */
    readonly target: string,
  ) {}

  async request<T = unknown>(request: EsRequest): Promise<EsResponse<T>> {
    const params: TransportRequestParams = { method: request.method, path: request.path };
    if (request.query) params.querystring = request.query;
    if (request.body !== undefined) params.body = request.body as Record<string, unknown>;
    if (request.ndjson !== undefined) params.bulkBody = request.ndjson;
    try {
      const result = await this.http.request<T>(params, { meta: true, ignore: request.ignore });
      return { status: result.statusCode ?? 0, body: result.body };
    } catch (err) {
      throw toEsError(err, request, this.target);
    }
  }

  async close(): Promise<void> {
    await this.http.connectionPool.empty();
  }
}

/** `name:base64(host[:port]$es_id$kibana_id)` to the deployment's Elasticsearch URL. */
export function cloudIdUrl(cloudId: string): string {
  const encoded = cloudId.slice(cloudId.indexOf(':') + 1);
  const [host, esId] = Buffer.from(encoded, 'base64').toString('utf8').split('$');
  if (!host || !esId || !/^[\w.-]+(:\d+)?$/.test(host) || !/^\w+$/.test(esId)) {
    throw new ConfigError('elasticsearch.cloud_id: not an Elastic Cloud id (name:base64 of host$es_id$…)');
  }
  const [hostname, port] = host.split(':');
  return `https://${esId}.${hostname}${port ? `:${port}` : ''}`;
}

export interface Credentials {
  auth?: { apiKey: string } | { username: string; password: string };
  /** Secret files that others can read: the caller warns about each. */
  warnings: string[];
}

/**
 * Secrets come from the config, a file it names, or the environment (FLOWTRAIL_ES_API_KEY, FLOWTRAIL_ES_USERNAME,
 * FLOWTRAIL_ES_PASSWORD); they go into the request headers only and are never logged.
 */
export function credentialsOf(connection: ElasticsearchConnection, env: NodeJS.ProcessEnv): Credentials {
  const warnings: string[] = [];
  const fromFile = (path: string | undefined, key: string) => {
    if (!path) return undefined;
    const secret = readSecretFile(path, key);
    if (secret.exposed) warnings.push(secret.exposed);
    return secret.value;
  };
  const apiKey =
    connection.apiKey ??
    fromFile(connection.apiKeyFile, 'elasticsearch.api_key_file') ??
    env.FLOWTRAIL_ES_API_KEY;
  if (apiKey) return { auth: { apiKey }, warnings };
  const username = connection.username ?? env.FLOWTRAIL_ES_USERNAME;
  const password =
    connection.password ??
    fromFile(connection.passwordFile, 'elasticsearch.password_file') ??
    env.FLOWTRAIL_ES_PASSWORD;
  return username && password ? { auth: { username, password }, warnings } : { warnings };
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`elasticsearch.ca_file: cannot read ${path}: ${(err as Error).message}`);
  }
}

export function createClient(
  connection: ElasticsearchConnection,
  options: { env?: NodeJS.ProcessEnv; warn?: (message: string) => void } = {},
): EsClient {
  const url = connection.cloudId ? cloudIdUrl(connection.cloudId) : (connection.url ?? connection.urls?.[0]);
  if (!url) throw new ConfigError('elasticsearch.url: no URL (nor cloud_id) to connect to');
  const urls = [...new Set([url, ...(connection.urls ?? [])])];
  const { auth, warnings } = credentialsOf(connection, options.env ?? process.env);
  for (const warning of warnings) options.warn?.(warning);
  // A CA given by its fingerprint alone is trusted by that fingerprint, checked on every new connection, in place
  // of the system's CA list (which never holds the CA that Elasticsearch 8 makes itself at its first start).
  const pinned = connection.caFingerprint !== undefined && !connection.caFile;
  const tls =
    connection.caFile || connection.tlsVerify === false || pinned
      ? {
          ...(connection.caFile ? { ca: readCa(connection.caFile) } : {}),
          rejectUnauthorized: connection.tlsVerify !== false && !pinned,
        }
      : undefined;
  const pool = new WeightedConnectionPool({
    Connection: UndiciConnection,
    auth,
    tls,
    caFingerprint: connection.caFingerprint,
  });
  const requestTimeout = connection.requestTimeoutMs ?? 30_000;
  // The connection's own timeout bounds how long undici waits for headers and body; left at its 30 s default it
  // cut every longer request (a force-merge, a restore, a bulk on a busy node) whatever `request_timeout` said.
  // A node that fails a request is weighted down and asked less until it answers again; the pipeline's retry of
  // that request then goes to another node.
  for (const each of urls) pool.addConnection({ ...pool.urlToHost(each), timeout: requestTimeout });
  const transport = new Transport({
    connectionPool: pool,
    maxRetries: 0,
    requestTimeout,
    compression: connection.compression === true,
    name: 'flowtrail',
  });
  return new EsClient(
    transport,
    urls.length > 1 ? `${redactUrl(url)} (and ${urls.length - 1} more node(s))` : redactUrl(url),
  );
}
