import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@elastic/elasticsearch';

export interface ElasticsearchConnection {
  url: string;
  apiKey?: string;
  apiKeyFile?: string;
  username?: string;
  password?: string;
  passwordFile?: string;
  caFile?: string;
  tlsVerify?: boolean;
  requestTimeoutMs?: number;
}

function secretFromFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new Error(`cannot read ${what} file ${path}: ${(err as Error).message}`);
  }
}

/**
 * Secrets come from the config, a file it names, or the environment (FLOWTRAIL_ES_API_KEY, FLOWTRAIL_ES_USERNAME,
 * FLOWTRAIL_ES_PASSWORD); they are handed to the client and never logged.
 */
export function createClient(
  connection: ElasticsearchConnection,
  env: NodeJS.ProcessEnv = process.env,
): Client {
  const apiKey =
    connection.apiKey ??
    (connection.apiKeyFile ? secretFromFile(connection.apiKeyFile, 'api key') : undefined) ??
    env.FLOWTRAIL_ES_API_KEY;
  const username = connection.username ?? env.FLOWTRAIL_ES_USERNAME;
  const password =
    connection.password ??
    (connection.passwordFile ? secretFromFile(connection.passwordFile, 'password') : undefined) ??
    env.FLOWTRAIL_ES_PASSWORD;

  const options: ClientOptions = {
    node: connection.url,
    // The pipeline owns retries and backoff; a client retrying underneath would hide outages from it.
    maxRetries: 0,
    requestTimeout: connection.requestTimeoutMs ?? 30_000,
    compression: undefined,
  };
  if (apiKey) options.auth = { apiKey };
  else if (username && password) options.auth = { username, password };
  if (connection.caFile || connection.tlsVerify === false) {
    options.ssl = {
      ...(connection.caFile ? { ca: readFileSync(connection.caFile) } : {}),
      rejectUnauthorized: connection.tlsVerify !== false,
    };
  }
  return new Client(options);
}
