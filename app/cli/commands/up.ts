import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { dataDirOf } from '../../wiring/paths.js';
import { startConfiguredStack } from '../../wiring/stack.js';
import { collectCommand } from './collect.js';
import { describeSetup, runSetup } from './setup.js';

/** The quick start: the embedded Elasticsearch (unless a cluster is configured), its templates, then collection. */
export async function upCommand(config: FlowtrailConfig, logger: Logger): Promise<number> {
  if (!process.env.FLOWTRAIL_ES_URL && !config.elasticsearch.url) {
    logger.info(
      { data_dir: dataDirOf(config) },
      'starting the embedded Elasticsearch (the first start downloads it with Maven)',
    );
    const state = await startConfiguredStack(config, logger);
    logger.info({ elasticsearch: state.elasticsearch.url, kafka: state.kafka?.bootstrap }, 'stack up');
  }
  const report = await runSetup(config);
  for (const line of describeSetup(report).split('\n')) logger.info(line);
  return collectCommand(config, logger);
}
