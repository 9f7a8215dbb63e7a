import type { Logger } from 'pino';
import { resolveToken } from '../../../src/api/auth.js';
import { apiRoutes } from '../../../src/api/routes.js';
import { startApiServer } from '../../../src/api/server.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { correlationSettings } from '../../../src/correlate/correlator.js';
import { connect } from '../../wiring/elasticsearch.js';

/** `flowtrail serve`: the HTTP API until SIGINT/SIGTERM. */
export async function serveCommand(config: FlowtrailConfig, logger: Logger): Promise<number> {
  const { host, port } = config.api;
  const token = resolveToken(host, config.api);
  const { client } = await connect(config);
  const api = await startApiServer(apiRoutes(client, config, correlationSettings(config)), {
    host,
    port,
    token,
    logger,
  });
  logger.info({ url: api.url, token_required: token !== undefined }, 'api listening');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  await client.close();
  return 0;
}
