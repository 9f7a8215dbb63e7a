import type { Logger } from 'pino';
import { loadAssets } from '../../../src/api/assets.js';
import { resolveToken } from '../../../src/api/auth.js';
import type { FlowStream } from '../../../src/api/flow-stream.js';
import { apiRoutes } from '../../../src/api/routes.js';
import { startApiServer } from '../../../src/api/server.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { parseHostPort } from '../../../src/config/units.js';
import { correlationSettings } from '../../../src/correlate/correlator.js';
import { UsageError } from '../../../src/errors.js';
import { checkListenAddresses } from '../../../src/util/listen-check.js';
import { connect } from '../../wiring/elasticsearch.js';
import { packetStoreReader } from '../../wiring/packet-store.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';

/**
 * The API and the web console on `api.host`:`api.port`, over a connection of its own; says where the console is.
 * `portKey`: what set the port, as a taken port's message names it (`api.port`, or `--listen`); `flows`: the
 * collector's flows when it runs beside (`up`), offered as `/api/flows/stream`.
 */
export async function startConsole(
  config: FlowtrailConfig,
  logger: Logger,
  portKey = 'api.port',
  flows?: FlowStream,
): Promise<{ url: string; close(): Promise<void> }> {
  const { host, port } = config.api;
  const { token, warnings } = resolveToken(host, config.api);
  for (const warning of warnings) logger.warn(warning);
  await checkListenAddresses([{ protocol: 'tcp', host, port, key: portKey }]);
  const { store: client } = await connect(config);
  const routes = apiRoutes(client, config, correlationSettings(config), flows, packetStoreReader(config));
  const api = await startApiServer(routes, {
    host,
    port,
    token,
    logger,
    assets: loadAssets(),
  });
  logger.info({ url: api.url, token_required: token !== undefined }, 'api listening');
  logger.info(`console: ${api.url}/${token === undefined ? '' : ' (sign in with the API token)'}`);
  return {
    url: api.url,
    close: async () => {
      await api.close();
      await client.close();
    },
  };
}

/** `flowtrail serve`: the HTTP API and the console until SIGINT/SIGTERM. */
async function runServe(config: FlowtrailConfig, logger: Logger, portKey: string): Promise<number> {
  const web = await startConsole(config, logger, portKey);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await web.close();
  return 0;
}

function listenAddress(listen: string): { host: string; port: number } {
  try {
    return parseHostPort(listen, '127.0.0.1');
  } catch (err) {
    throw new UsageError(`--listen: ${(err as Error).message}`);
  }
}

export const serveCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  withConfig(parent.command('serve'))
    .description(
      'the HTTP API and web console (bearer token required unless bound to loopback) until SIGINT/SIGTERM',
    )
    .option('--listen <host:port>', 'address to listen on (overrides api.host/api.port)')
    .action(
      run((o: ConfigFlags & { listen?: string }) => {
        const config = resolveConfig(o);
        if (o.listen) {
          const target = listenAddress(o.listen);
          config.api.host = target.host;
          config.api.port = target.port;
        }
        return runServe(config, logger, o.listen ? '--listen' : 'api.port');
      }),
    );
};
