import type { Logger } from 'pino';
import { dataDirOf } from '../../app/paths.js';
import type { FlowtrailConfig } from '../../config/schema.js';
import { stackUp } from '../../stack/index.js';
import { collectCommand } from './collect.js';
import { describeSetup, runSetup } from './setup.js';

/** The quick start: the embedded Elasticsearch (unless a cluster is configured), its templates, then collection. */
export async function upCommand(config: FlowtrailConfig, logger: Logger): Promise<number> {
  if (!process.env.FLOWTRAIL_ES_URL && !config.elasticsearch.url) {
    logger.info(
      { data_dir: dataDirOf(config) },
      'starting the embedded Elasticsearch (the first start downloads it with Maven)',
    );
    const state = await stackUp({
      dataDir: dataDirOf(config),
      nodes: config.stack.nodes,
      kafka: config.stack.kafka,
      esHttpPort: config.stack.elasticsearch_port,
      kafkaPort: config.stack.kafka_port,
      logger,
    });
    logger.info({ elasticsearch: state.elasticsearch.url, kafka: state.kafka?.bootstrap }, 'stack up');
  }
  const report = await runSetup(config);
  for (const line of describeSetup(report).split('\n')) logger.info(line);
  return collectCommand(config, logger);
}
