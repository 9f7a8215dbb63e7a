import { credentialsOf } from '../../plugins/elasticsearch/client.js';
import type { KibanaAuth, KibanaConnection } from '../../plugins/kibana/import.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import { readSecretFile } from '../../src/util/secrets.js';
import { resolveElasticsearch } from './elasticsearch.js';

/**
 * Where and as whom `setup --kibana` imports: `kibana.url`, with `kibana`'s credentials, or else those of
 * `elasticsearch` (Kibana authenticates against the cluster's users, so one account usually serves both).
 * Secret files that others can read are reported through `warn`.
 */
export async function resolveKibana(
  config: FlowtrailConfig,
  warn: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<KibanaConnection> {
  const kibana = config.kibana;
  if (!kibana.url)
    throw new ConfigError('kibana.url: no Kibana to import into: pass --kibana URL or set kibana.url');
  const secret = (path: string, key: string) => {
    const file = readSecretFile(path, key);
    if (file.exposed) warn(file.exposed);
    return file.value;
  };
  let auth: KibanaAuth | undefined;
  const apiKey =
    kibana.api_key ?? (kibana.api_key_file && secret(kibana.api_key_file, 'kibana.api_key_file'));
  if (apiKey) auth = { apiKey };
  else if (kibana.username) {
    const password =
      kibana.password ?? (kibana.password_file && secret(kibana.password_file, 'kibana.password_file'));
    if (!password)
      throw new ConfigError('kibana.password: kibana.username needs a password or password_file');
    auth = { username: kibana.username, password };
  } else {
    const es = credentialsOf((await resolveElasticsearch(config, env)).connection, env);
    for (const warning of es.warnings) warn(warning);
    auth = es.auth;
  }
  return { url: kibana.url, space: kibana.space, auth, requestTimeoutMs: kibana.request_timeout };
}
