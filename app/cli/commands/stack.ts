import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { stackDown, stackStatus } from '../../../src/stack/index.js';
import { dataDirOf } from '../../wiring/paths.js';
import { startConfiguredStack } from '../../wiring/stack.js';
import { printResult } from '../output.js';

export async function stackUpCommand(
  config: FlowtrailConfig,
  logger: Logger,
  json: boolean,
): Promise<number> {
  const state = await startConfiguredStack(config, logger);
  printResult(json, state, () =>
    [
      `elasticsearch ${state.elasticsearch.url} (${state.elasticsearch.nodes} node${state.elasticsearch.nodes > 1 ? 's' : ''}, pid ${state.elasticsearch.pid})`,
      ...(state.kafka ? [`kafka ${state.kafka.bootstrap} (pid ${state.kafka.pid})`] : []),
      `logs in ${state.dataDir}`,
    ].join('\n'),
  );
  return 0;
}

export async function stackDownCommand(config: FlowtrailConfig, json: boolean): Promise<number> {
  const result = await stackDown(dataDirOf(config));
  printResult(json, result, () =>
    result.stopped.length > 0 ? `stopped ${result.stopped.join(', ')}` : 'nothing was running',
  );
  return 0;
}

export async function stackStatusCommand(config: FlowtrailConfig, json: boolean): Promise<number> {
  const status = await stackStatus(dataDirOf(config));
  const value = {
    elasticsearch: { status: status.elasticsearch, url: status.state?.elasticsearch.url },
    kafka: { status: status.kafka, bootstrap: status.state?.kafka?.bootstrap },
    data_dir: dataDirOf(config),
  };
  printResult(json, value, () =>
    [
      `elasticsearch: ${status.elasticsearch}${value.elasticsearch.url ? ` ${value.elasticsearch.url}` : ''}`,
      `kafka: ${status.kafka}${value.kafka.bootstrap ? ` ${value.kafka.bootstrap}` : ''}`,
    ].join('\n'),
  );
  return status.elasticsearch === 'up' ? 0 : 1;
}
