import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { detectCapabilities } from '../../../plugins/elasticsearch/capabilities.js';
import { redactUrl } from '../../../plugins/elasticsearch/client.js';
import { enforceRetention } from '../../../plugins/elasticsearch/retention.js';
import { createNetflowSource } from '../../../plugins/netflow/source.js';
import { connect } from '../../app/elasticsearch.js';
import { UsageError } from '../../app/errors.js';
import { createRuntime } from '../../app/runtime.js';
import type { FlowtrailConfig } from '../../config/schema.js';
import { startMetricsServer } from '../../observability/server.js';
import type { Source } from '../../pipeline/types.js';
import { LocalNetworks } from '../../schema/locality.js';

function sourcesFor(config: FlowtrailConfig, localNetworks: LocalNetworks): Source[] {
  const sources: Source[] = [];
  const netflow = config.inputs.netflow;
  if (netflow.enabled) {
    sources.push(
      createNetflowSource(
        {
          host: netflow.host,
          port: netflow.port,
          recvBufferSize: netflow.receive_buffer_bytes,
          allowedExporters: netflow.allowed_exporters,
          templateTimeoutMs: netflow.template_timeout,
          samplingOverrides: netflow.sampling_overrides,
        },
        { localNetworks },
      ),
    );
  }
  if (sources.length === 0) throw new UsageError('inputs: no input is enabled, nothing to collect');
  return sources;
}

const RETENTION_INTERVAL_MS = 3_600_000;

/** On clusters with neither lifecycle nor ILM, expired daily indices are deleted hourly by the collector. */
async function retentionTask(
  config: FlowtrailConfig,
  client: Client,
  logger: Logger,
): Promise<NodeJS.Timeout | undefined> {
  let mode: string;
  try {
    mode = (await detectCapabilities(client)).retentionMode;
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      'cannot reach elasticsearch yet; retention is checked by `flowtrail setup`',
    );
    return undefined;
  }
  if (mode !== 'flowtrail') return undefined;
  const run = () =>
    enforceRetention(client, config.elasticsearch.retention).then(
      (deleted) => deleted.length > 0 && logger.info({ deleted }, 'deleted expired daily indices'),
      (err: Error) => logger.warn({ err: err.message }, 'retention run failed; next try in an hour'),
    );
  return setInterval(run, RETENTION_INTERVAL_MS).unref();
}

/** Runs the live inputs until SIGINT/SIGTERM, then writes (or spools) what is queued and exits. */
export async function collectCommand(config: FlowtrailConfig, logger: Logger): Promise<number> {
  const { client, resolved } = await connect(config);
  const runtime = createRuntime(config, client, logger);
  const localNetworks = new LocalNetworks(config.local_networks);
  const sources = sourcesFor(config, localNetworks);
  const metricsServer = config.metrics.enabled
    ? await startMetricsServer(runtime.metrics, runtime.pipeline, config.metrics.host, config.metrics.port)
    : undefined;

  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping: writing what is queued');
    runtime.pipeline.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const retention = await retentionTask(config, client, logger);
  const running = runtime.pipeline.run(sources);
  logger.info(
    {
      netflow: config.inputs.netflow.enabled
        ? `udp ${config.inputs.netflow.host}:${config.inputs.netflow.port}`
        : undefined,
      elasticsearch: redactUrl(resolved.connection.url),
      embedded: resolved.embedded,
      metrics: metricsServer ? `${metricsServer.url}/metrics` : undefined,
      local_networks: config.local_networks,
    },
    'collecting',
  );
  try {
    await running;
  } finally {
    if (retention) clearInterval(retention);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await metricsServer?.close();
    await client.close();
  }
  return 0;
}
