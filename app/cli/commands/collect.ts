import type { Logger } from 'pino';
import { detectCapabilities } from '../../../plugins/elasticsearch/capabilities.js';
import type { EsClient } from '../../../plugins/elasticsearch/client.js';
import { enforceRetention } from '../../../plugins/elasticsearch/retention.js';
import { localNetworksOf } from '../../../src/config/networks.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { detectInPipeline } from '../../../src/detect/live.js';
import { withEnrichment } from '../../../src/enrich/documents.js';
import { UsageError } from '../../../src/errors.js';
import { ActivitySummary } from '../../../src/observability/activity.js';
import type { Metrics } from '../../../src/observability/metrics.js';
import { startMetricsServer } from '../../../src/observability/server.js';
import type { RecordTap } from '../../../src/pipeline/types.js';
import { checkListenAddresses, type ListenAddress } from '../../../src/util/listen-check.js';
import { archiveBeforeDelete } from '../../wiring/archive.js';
import { createBackup } from '../../wiring/backup.js';
import { connect } from '../../wiring/elasticsearch.js';
import { createEnrichment } from '../../wiring/enrichment.js';
import { createLogInputs } from '../../wiring/log-inputs.js';
import { createNetflowInput } from '../../wiring/netflow-input.js';
import { createPcapInput, registerTapMetrics } from '../../wiring/pcap-input.js';
import { createKafkaRuntime, createRuntime } from '../../wiring/runtime.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';

const RETENTION_INTERVAL_MS = 3_600_000;

/**
 * On clusters with neither lifecycle nor ILM, the collector rolls data streams over and deletes expired indices
 * hourly.
 */
export async function retentionTask(
  config: FlowtrailConfig,
  client: EsClient,
  logger: Logger,
): Promise<NodeJS.Timeout | undefined> {
  let cluster: Awaited<ReturnType<typeof detectCapabilities>>;
  try {
    cluster = await detectCapabilities(client);
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      'cannot reach elasticsearch yet; retention is checked by `flowtrail setup`',
    );
    return undefined;
  }
  if (cluster.retentionMode !== 'flowtrail') return undefined;
  const run = () =>
    enforceRetention(
      client,
      cluster,
      config.elasticsearch.retention,
      Date.now(),
      archiveBeforeDelete(config, client, cluster.indexMode),
    ).then(
      ({ deleted, rolledOver }) =>
        (deleted.length > 0 || rolledOver.length > 0) &&
        logger.info({ deleted, rolled_over: rolledOver }, 'retention: expired indices deleted'),
      (err: Error) => logger.warn({ err: err.message }, 'retention run failed; next try in an hour'),
    );
  return setInterval(run, RETENTION_INTERVAL_MS).unref();
}

/**
 * Every `backup.schedule`: a snapshot of the namespace and the collector's state, then all but the newest
 * `backup.keep` deleted. A failed backup is logged and tried again at the next one; a backup still running when
 * the next is due makes that one skip.
 */
export function backupTask(
  config: FlowtrailConfig,
  client: EsClient,
  logger: Logger,
): NodeJS.Timeout | undefined {
  const every = config.backup.schedule;
  if (every === 0) return undefined;
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      const { snapshot, pruned, stateFiles } = await createBackup(client, config, { prune: true });
      logger.info(
        { snapshot: snapshot.name, indices: snapshot.indices.length, state_files: stateFiles, pruned },
        'backup: snapshot taken',
      );
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'backup failed; next try at the next scheduled time');
    } finally {
      running = false;
    }
  };
  return setInterval(() => void run(), every).unref();
}

/** A line every `metrics.summary_interval`: what came in, per input, and what was written since the last one. */
export async function activityTask(
  config: FlowtrailConfig,
  metrics: Metrics,
  logger: Logger,
): Promise<NodeJS.Timeout | undefined> {
  const every = config.metrics.summary_interval;
  if (every === 0) return undefined;
  const activity = await ActivitySummary.start(metrics);
  return setInterval(
    () => void activity.next().then(({ msg, fields }) => logger.info(fields, msg)),
    every,
  ).unref();
}

/** The addresses `collect` listens on, with the keys that set them. */
export function collectorAddresses(config: FlowtrailConfig): ListenAddress[] {
  const { netflow } = config.inputs;
  return [
    // A port shared on purpose (reuse_port) is in use by the other collectors; the receiver's own bind still
    // fails, naming the port, when a process that does not share it holds it.
    ...(netflow.enabled && !netflow.reuse_port
      ? [{ protocol: 'udp' as const, host: netflow.host, port: netflow.port, key: 'inputs.netflow.port' }]
      : []),
    ...(config.metrics.enabled
      ? [
          {
            protocol: 'tcp' as const,
            host: config.metrics.host,
            port: config.metrics.port,
            key: 'metrics.port',
          },
        ]
      : []),
  ];
}

/**
 * Runs the live inputs until SIGINT/SIGTERM, then writes (or spools) what is queued and exits; `flows`, when given,
 * sees every flow document (the API's `/api/flows/stream`).
 */
export async function runCollect(
  config: FlowtrailConfig,
  logger: Logger,
  flows?: RecordTap,
): Promise<number> {
  await checkListenAddresses(collectorAddresses(config));
  const localNetworks = localNetworksOf(config);
  const enrichers = createEnrichment(config, logger);
  const logInputs = createLogInputs(config, localNetworks, logger, enrichers);
  const tapping = config.inputs.pcap.enabled;
  // The decode worker opens the databases itself: with no log input or tap, these only checked the configuration.
  if (logInputs.sources.length === 0 && !tapping) enrichers.close();
  if (!config.inputs.netflow.enabled && logInputs.sources.length === 0 && !tapping)
    throw new UsageError('inputs: no input is enabled, nothing to collect');
  // Before anything else is opened: a missing interface or capability is said at once.
  const pcap = tapping ? createPcapInput(config, localNetworks) : undefined;
  // With the Kafka output the indexers write to Elasticsearch (and keep its retention and backups); the
  // collector then never needs to reach it.
  const kafka = config.outputs.kafka.enabled ? config.outputs.kafka : undefined;
  const es = kafka ? undefined : await connect(config, logger);
  const runtime = es ? createRuntime(config, es.client, logger) : createKafkaRuntime(config, logger);
  if (flows !== undefined) runtime.pipeline.tap(flows);
  if (es && config.detections.in_collector)
    await detectInPipeline(runtime.pipeline, config, es.store, logger);
  if (kafka && config.detections.in_collector)
    logger.info('detections do not run in a collector writing to Kafka: run `flowtrail detect --follow`');
  const netflow = config.inputs.netflow.enabled
    ? createNetflowInput(config, localNetworks, logger, runtime.metrics)
    : undefined;
  if (pcap) registerTapMetrics(runtime.metrics, pcap);
  const metricsServer = config.metrics.enabled
    ? await startMetricsServer(runtime.metrics, runtime.pipeline, config.metrics.host, config.metrics.port)
    : undefined;

  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping: writing what is queued');
    runtime.pipeline.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const retention = es ? await retentionTask(config, es.client, logger) : undefined;
  const backup = es ? backupTask(config, es.client, logger) : undefined;
  let summary: NodeJS.Timeout | undefined;
  try {
    const sources = [
      ...(netflow ? [netflow.source] : []),
      ...(pcap ? [withEnrichment(pcap, enrichers)] : []),
      ...logInputs.sources,
    ];
    const running = runtime.pipeline.run(sources);
    // "collecting" is said only once the socket is bound; a bind failure rejects `running` instead.
    const bound = netflow
      ? await Promise.race([netflow.listening, running.then(() => undefined)])
      : undefined;
    if (bound || !netflow) {
      logger.info(
        {
          netflow: bound
            ? `udp ${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`
            : undefined,
          pcap: pcap ? config.inputs.pcap.interfaces : undefined,
          ...logInputs.describe,
          elasticsearch: es?.client.target,
          embedded: es?.resolved.embedded,
          kafka: kafka ? { brokers: kafka.brokers, topics: kafka.topics } : undefined,
          metrics: metricsServer ? `${metricsServer.url}/metrics` : undefined,
          local_networks: config.local_networks,
        },
        'collecting',
      );
    }
    summary = await activityTask(config, runtime.metrics, logger);
    await running;
  } finally {
    if (summary) clearInterval(summary);
    netflow?.close();
    pcap?.close();
    if (retention) clearInterval(retention);
    if (backup) clearInterval(backup);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await metricsServer?.close();
    await es?.client.close();
  }
  return 0;
}

export const collectCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  withConfig(parent.command('collect'))
    .description('run the live inputs of the configuration until SIGINT/SIGTERM')
    .option('--netflow <host:port>', 'NetFlow/IPFIX listen address (overrides inputs.netflow)')
    .option('--local <cidrs>', 'local networks, comma separated (overrides local_networks)')
    .action(run((o: ConfigFlags) => runCollect(resolveConfig(o), logger)));
};
