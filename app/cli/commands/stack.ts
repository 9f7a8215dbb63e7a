import { Option } from 'commander';
import type { Logger } from 'pino';
import { groupLag, type PartitionState } from '../../../plugins/kafka/lag.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { UsageError } from '../../../src/errors.js';
import {
  type StackEngine,
  type StackState,
  stackDown,
  stackStatus,
  startBroker,
  startNode,
  stopBroker,
  stopNode,
} from '../../../src/stack/index.js';
import { dataDirOf } from '../../wiring/paths.js';
import { startConfiguredStack } from '../../wiring/stack.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

type JsonFlag = { json?: boolean };

/** The stack as `stack up --json` prints it: snake_case keys, as every JSON flowtrail prints. */
export function stackView(state: StackState): Record<string, unknown> {
  const es = state.elasticsearch;
  return {
    data_dir: state.dataDir,
    elasticsearch: {
      url: es.url,
      pid: es.pid,
      node_pids: es.nodePids,
      nodes: es.nodes,
      http_ports: es.httpPorts,
      log_file: es.logFile,
    },
    ...(state.kafka
      ? {
          kafka: {
            bootstrap: state.kafka.bootstrap,
            pid: state.kafka.pid,
            pids: state.kafka.pids,
            brokers: state.kafka.brokers,
            log_file: state.kafka.logFile,
          },
        }
      : {}),
    started_at: state.startedAt,
  };
}

async function runStackUp(config: FlowtrailConfig, logger: Logger, json: boolean): Promise<number> {
  const state = await startConfiguredStack(config, logger);
  printResult(json, stackView(state), () =>
    [
      `${config.stack.engine} ${state.elasticsearch.url} (${state.elasticsearch.nodes} node${state.elasticsearch.nodes > 1 ? 's' : ''}, pid ${state.elasticsearch.pid})`,
      ...(state.kafka
        ? [
            `kafka ${state.kafka.bootstrap} (${state.kafka.brokers} broker${state.kafka.brokers > 1 ? 's' : ''}, pid ${state.kafka.pids.join(', ')})`,
          ]
        : []),
      `logs in ${state.dataDir}`,
    ].join('\n'),
  );
  return 0;
}

async function runStackDown(config: FlowtrailConfig, json: boolean): Promise<number> {
  const result = await stackDown(dataDirOf(config));
  printResult(json, result, () =>
    result.stopped.length > 0 ? `stopped ${result.stopped.join(', ')}` : 'nothing was running',
  );
  return 0;
}

/**
 * The lag of the indexers' consumer group (`indexer.group_id`) over the Kafka output's topics on the embedded
 * broker; undefined when the topics are not there yet, or the broker does not answer.
 */
async function indexerLag(config: FlowtrailConfig, bootstrap: string): Promise<PartitionState[] | undefined> {
  const topics = [...new Set(Object.values(config.outputs.kafka.topics))];
  const lags = await groupLag(bootstrap.split(','), config.indexer.group_id, topics).catch(() => undefined);
  return lags === undefined || lags.length === 0 ? undefined : lags;
}

async function runStackStatus(config: FlowtrailConfig, json: boolean): Promise<number> {
  const status = await stackStatus(dataDirOf(config));
  const bootstrap = status.state?.kafka?.bootstrap;
  const answering = status.kafka === 'up' || status.kafka === 'degraded';
  const lags =
    answering && status.kafkaBootstrapUp ? await indexerLag(config, status.kafkaBootstrapUp) : undefined;
  const lag = lags?.reduce((sum, p) => sum + p.lag, 0);
  const underReplicated = lags?.filter((p) => p.isr.length < p.replicas.length).length ?? 0;
  const brokersUp = status.kafkaBrokersUp ?? [];
  const value = {
    elasticsearch: { status: status.elasticsearch, url: status.state?.elasticsearch.url },
    kafka: {
      status: status.kafka,
      bootstrap,
      ...(status.state?.kafka ? { brokers: status.state.kafka.brokers, brokers_up: brokersUp } : {}),
      ...(lags
        ? {
            indexers: {
              group: config.indexer.group_id,
              lag,
              under_replicated: underReplicated,
              partitions: lags.map(({ topic, partition, lag, leader, replicas, isr }) => ({
                topic,
                partition,
                lag,
                leader,
                replicas,
                isr,
              })),
            },
          }
        : {}),
    },
    data_dir: dataDirOf(config),
  };
  printResult(json, value, () =>
    [
      `elasticsearch: ${status.elasticsearch}${value.elasticsearch.url ? ` ${value.elasticsearch.url}` : ''}`,
      `kafka: ${status.kafka}${bootstrap ? ` ${bootstrap}` : ''}${
        status.state?.kafka && status.state.kafka.brokers > 1
          ? ` (brokers up: ${brokersUp.join(', ') || 'none'} of ${status.state.kafka.brokers})`
          : ''
      }`,
      ...(lags
        ? [
            `indexers (group ${config.indexer.group_id}): lag ${lag} over ${lags.length} partitions` +
              (underReplicated > 0 ? `, ${underReplicated} under-replicated` : ''),
            ...lags.map(
              (p) =>
                `  ${p.topic}/${p.partition}: leader ${p.leader < 0 ? 'none' : p.leader}, in sync ${p.isr.join(',')} of ${p.replicas.join(',')}, lag ${p.lag}`,
            ),
          ]
        : []),
    ].join('\n'),
  );
  return status.elasticsearch === 'up' ? 0 : 1;
}

export type StackSizeFlags = { nodes?: number; kafka?: boolean; brokers?: number; engine?: StackEngine };

/** `--nodes`, `--kafka`, `--brokers`, `--engine` over the config's `stack` section. */
export function applyStackSize(config: FlowtrailConfig, o: StackSizeFlags): void {
  if (o.engine) config.stack.engine = o.engine;
  if (o.nodes !== undefined) {
    if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 5)
      throw new UsageError('--nodes: expected 1 to 5');
    config.stack.nodes = o.nodes;
  }
  if (o.brokers !== undefined) {
    if (!Number.isInteger(o.brokers) || o.brokers < 1 || o.brokers > 5)
      throw new UsageError('--brokers: expected 1 to 5');
    config.stack.brokers = o.brokers;
    config.stack.kafka = true;
  }
  if (o.kafka) config.stack.kafka = true;
}

/** `--engine`: what the embedded node runs (overrides stack.engine). */
export function engineOption(): Option {
  return new Option('--engine <engine>', 'embedded engine (overrides stack.engine)').choices([
    'elasticsearch',
    'opensearch',
  ]);
}

const stackUpCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  withConfig(parent.command('up'))
    .description('start it (Maven resolves Elasticsearch from Maven Central on first use)')
    .option('--nodes <n>', 'number of Elasticsearch nodes', (v) => Number(v))
    .option('--kafka', 'also start KRaft Kafka (one broker unless --brokers)')
    .option('--brokers <n>', 'Kafka brokers (implies --kafka); 3: replication factor 3, 2 in sync', (v) =>
      Number(v),
    )
    .addOption(engineOption())
    .option('--json', 'print the stack state as JSON')
    .action(
      run((o: ConfigFlags & JsonFlag & StackSizeFlags) => {
        const config = resolveConfig(o);
        applyStackSize(config, o);
        return runStackUp(config, logger, Boolean(o.json));
      }),
    );
};

const stackDownCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('down'))
    .description('stop it; no process is left behind')
    .option('--json', 'print what was stopped as JSON')
    .action(run((o: ConfigFlags & JsonFlag) => runStackDown(resolveConfig(o), Boolean(o.json))));
};

const stackStatusCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('status'))
    .description('is it up, and where (exit 1 when Elasticsearch is not up)')
    .option('--json', 'print the Elasticsearch/Kafka URLs as JSON')
    .action(run((o: ConfigFlags & JsonFlag) => runStackStatus(resolveConfig(o), Boolean(o.json))));
};

function brokerId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1)
    throw new UsageError(`broker: expected a broker number (1, 2, ...), not ${value}`);
  return id;
}

function nodeId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1)
    throw new UsageError(`node: expected a node number (1, 2, ...), not ${value}`);
  return id;
}

/** `stack node stop|start <n>`: one node of a multi-node embedded cluster, e.g. to replace its disk. */
const stackNodeCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  const node = parent.command('node').description('stop or start one node of the embedded cluster');
  withConfig(node.command('stop <n>'))
    .description('stop node n (the others keep running); --kill: SIGKILL, as a crash')
    .option('--kill', 'SIGKILL instead of a clean shutdown')
    .action(
      run(async (n: string, o: ConfigFlags & { kill?: boolean }) => {
        await stopNode(dataDirOf(resolveConfig(o)), nodeId(n), { kill: Boolean(o.kill) });
        process.stdout.write(`node-${n} stopped\n`);
        return 0;
      }),
    );
  withConfig(node.command('start <n>'))
    .description('start node n again on its ports and data path; waits until the cluster has all its nodes')
    .option('--json', 'print the stack state as JSON')
    .action(
      run(async (n: string, o: ConfigFlags & JsonFlag) => {
        const state = await startNode(dataDirOf(resolveConfig(o)), nodeId(n), logger);
        printResult(
          Boolean(o.json),
          stackView(state),
          () => `node-${n} started (pid ${state.elasticsearch.nodePids[Number(n) - 1]})`,
        );
        return 0;
      }),
    );
};

/** `stack broker stop|start <n>`: one broker of the embedded Kafka cluster, e.g. to see the others take over. */
const stackBrokerCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  const broker = parent
    .command('broker')
    .description('stop or start one broker of the embedded Kafka cluster');
  withConfig(broker.command('stop <n>'))
    .description('stop broker n (the others keep running); --kill: SIGKILL, as a crash')
    .option('--kill', 'SIGKILL instead of a controlled shutdown')
    .action(
      run(async (n: string, o: ConfigFlags & { kill?: boolean }) => {
        await stopBroker(dataDirOf(resolveConfig(o)), brokerId(n), { kill: Boolean(o.kill) });
        process.stdout.write(`broker-${n} stopped\n`);
        return 0;
      }),
    );
  withConfig(broker.command('start <n>'))
    .description('start broker n again on its ports and data; waits until it answers')
    .option('--json', 'print the stack state as JSON')
    .action(
      run(async (n: string, o: ConfigFlags & JsonFlag) => {
        const state = await startBroker(dataDirOf(resolveConfig(o)), brokerId(n), logger);
        printResult(
          Boolean(o.json),
          stackView(state),
          () => `broker-${n} started (pid ${state.kafka?.pids[Number(n) - 1]})`,
        );
        return 0;
      }),
    );
};

/** `flowtrail stack up|down|status|node|broker`: a group whose subcommands register under it as commands do. */
export const stackCommand: CliCommand = (parent, context) => {
  const stack = parent
    .command('stack')
    .description('the embedded Elasticsearch (and Kafka) that flowtrail provisions');
  for (const register of [
    stackUpCommand,
    stackDownCommand,
    stackStatusCommand,
    stackNodeCommand,
    stackBrokerCommand,
  ])
    register(stack, context);
};
