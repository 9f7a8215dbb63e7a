import type { Logger } from 'pino';
import { FlowStream } from '../../../src/api/flow-stream.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { stackStatus } from '../../../src/stack/index.js';
import { checkListenAddresses } from '../../../src/util/listen-check.js';
import { dataDirOf } from '../../wiring/paths.js';
import { startConfiguredStack } from '../../wiring/stack.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { collectorAddresses, runCollect } from './collect.js';
import { startConsole } from './serve.js';
import { describeSetup, runSetup } from './setup.js';
import { applyStackSize, engineOption, type StackSizeFlags } from './stack.js';

/**
 * The quick start: the embedded Elasticsearch (unless a cluster is configured), its templates, then collection,
 * with the API and web console beside it.
 */
async function runUp(config: FlowtrailConfig, logger: Logger): Promise<number> {
  // Before the stack, setup and retention: a second `up` beside a running one stops here, saying why.
  await checkListenAddresses(collectorAddresses(config));
  const es = config.elasticsearch;
  if (!process.env.FLOWTRAIL_ES_URL && !es.url && !es.urls && !es.cloud_id) {
    // Maven says itself when it has to download; a stack that already runs is only reused.
    const running = (await stackStatus(dataDirOf(config))).elasticsearch === 'up';
    if (!running) logger.info({ data_dir: dataDirOf(config) }, 'starting the embedded Elasticsearch');
    const state = await startConfiguredStack(config, logger);
    logger.info(
      { elasticsearch: state.elasticsearch.url, kafka: state.kafka?.bootstrap },
      running ? 'the embedded Elasticsearch is already running' : 'stack up',
    );
  }
  const report = await runSetup(config, logger);
  for (const line of describeSetup(report).split('\n')) logger.info(line);
  const flows = new FlowStream();
  const web = await startConsole(config, logger, 'api.port', flows);
  try {
    return await runCollect(config, logger, flows);
  } finally {
    await web.close();
  }
}

export const upCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  withConfig(parent.command('up'))
    .description(
      'start the embedded Elasticsearch, install templates, collect NetFlow (UDP 2055) and serve the console',
    )
    .option('--netflow <host:port>', 'NetFlow/IPFIX listen address')
    .option('--local <cidrs>', 'local networks, comma separated')
    .option('--nodes <n>', 'nodes of the embedded cluster', (v) => Number(v))
    .option('--kafka', 'also start the embedded Kafka (one broker unless --brokers)')
    .option('--brokers <n>', 'Kafka brokers of the embedded cluster (implies --kafka)', (v) => Number(v))
    .addOption(engineOption())
    .action(
      run((o: ConfigFlags & StackSizeFlags) => {
        const config = resolveConfig(o);
        applyStackSize(config, o);
        return runUp(config, logger);
      }),
    );
};
