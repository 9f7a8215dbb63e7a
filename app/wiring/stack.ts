import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { type StackState, stackUp } from '../../src/stack/index.js';
import { dataDirOf } from './paths.js';

/** Starts (or finds running) the embedded stack the `stack` section describes. */
export function startConfiguredStack(config: FlowtrailConfig, logger: Logger): Promise<StackState> {
  return stackUp({
    dataDir: dataDirOf(config),
    engine: config.stack.engine,
    nodes: config.stack.nodes,
    kafka: config.stack.kafka,
    brokers: config.stack.brokers,
    esHttpPort: config.stack.elasticsearch_port,
    kafkaPort: config.stack.kafka_port,
    logger,
  });
}
