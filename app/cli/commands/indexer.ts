import type { Logger } from 'pino';
import { createKafkaRecordsSource } from '../../../plugins/kafka/records-source.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { KafkaConsumerMetrics } from '../../../src/observability/kafka-metrics.js';
import { startMetricsServer } from '../../../src/observability/server.js';
import { checkListenAddresses } from '../../../src/util/listen-check.js';
import { connect } from '../../wiring/elasticsearch.js';
import { createIndexerRuntime } from '../../wiring/runtime.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { activityTask, backupTask, retentionTask } from './collect.js';

/**
 * Consumes the Kafka output's topics into Elasticsearch until SIGINT/SIGTERM, as one member of the indexers'
 * consumer group; the indexers also keep the cluster's retention and scheduled backups, which a collector writing
 * to Kafka leaves to them.
 */
export async function runIndex(config: FlowtrailConfig, logger: Logger): Promise<number> {
  if (config.metrics.enabled)
    await checkListenAddresses([
      { protocol: 'tcp', host: config.metrics.host, port: config.metrics.port, key: 'metrics.port' },
    ]);
  const { client, resolved } = await connect(config, logger);
  const runtime = createIndexerRuntime(config, client, logger);
  const kafka = config.outputs.kafka;
  const topics = [...new Set(Object.values(kafka.topics))];
  const source = createKafkaRecordsSource({
    brokers: kafka.brokers,
    clientId: config.indexer.client_id,
    groupId: config.indexer.group_id,
    fromBeginning: config.indexer.from_beginning,
    sessionTimeoutMs: config.indexer.session_timeout,
    lagIntervalMs: config.indexer.lag_interval,
    topics,
    metrics: new KafkaConsumerMetrics(runtime.metrics.registry),
  });
  const metricsServer = config.metrics.enabled
    ? await startMetricsServer(runtime.metrics, runtime.pipeline, config.metrics.host, config.metrics.port)
    : undefined;
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping: writing what was consumed');
    runtime.pipeline.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const retention = await retentionTask(config, client, logger);
  const backup = backupTask(config, client, logger);
  const summary = await activityTask(config, runtime.metrics, logger);
  try {
    const running = runtime.pipeline.run([source]);
    logger.info(
      {
        kafka: kafka.brokers,
        topics,
        group: config.indexer.group_id,
        elasticsearch: client.target,
        embedded: resolved.embedded,
        metrics: metricsServer ? `${metricsServer.url}/metrics` : undefined,
      },
      'indexing',
    );
    await running;
  } finally {
    if (summary) clearInterval(summary);
    if (retention) clearInterval(retention);
    if (backup) clearInterval(backup);
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    await metricsServer?.close();
    await client.close();
  }
  return 0;
}

export const indexCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  withConfig(parent.command('index'))
    .description(
      'consume the Kafka output (outputs.kafka.topics) into Elasticsearch as one of the indexers (indexer.group_id)',
    )
    .action(run((o: ConfigFlags) => runIndex(resolveConfig(o), logger)));
};
