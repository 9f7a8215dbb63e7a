import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  aliveNodes,
  ES_START_TIMEOUT_MS,
  engineName,
  esHealthy,
  startElasticsearch,
  startMissingNodes,
  transportPortFor,
} from './elasticsearch.js';
import {
  aliveBrokers,
  brokerPorts,
  controllerPortFor,
  kafkaReady,
  startKafka,
  startMissingBrokers,
} from './kafka.js';
import { type StackPaths, stackPaths } from './paths.js';
import { killGroup, stopGroup } from './process.js';
import {
  readState,
  removeState,
  type StackEngine,
  type StackState,
  type StoredEs,
  type StoredKafka,
  type StoredState,
  writeState,
} from './state.js';
import { waitUntilReady } from './wait.js';

export { snapshotRepoPath } from './elasticsearch.js';
export { defaultDataDir, stackPaths } from './paths.js';
export type { StackEngine, StackState } from './state.js';

export interface StackOptions {
  dataDir: string;
  /** What the node runs: Elasticsearch 7.10 OSS (default) or OpenSearch 2.19. */
  engine?: StackEngine;
  /** Nodes of the ES cluster, a JVM each. Default 1. */
  nodes?: number;
  kafka?: boolean;
  /** Brokers of the Kafka cluster, a JVM each, all of them KRaft controllers too. Default 1. */
  brokers?: number;
  /** HTTP port of node-1; node-i uses esHttpPort+i-1 and transport port esHttpPort+100+i-1. Default 9200. */
  esHttpPort?: number;
  /** Broker 1's client port; its KRaft controller uses kafkaPort+1, broker i kafkaPort+2(i-1). Default 9092. */
  kafkaPort?: number;
  /** Heap of each ES node's JVM. Default 512. */
  esHeapMb?: number;
  kafkaHeapMb?: number;
  logger?: Logger;
}

const STOP_GRACE_MS = 20_000;

/**
 * Starts what is not running yet (ES and Kafka in parallel) and returns the stack. A running, healthy stack
 * from an earlier call is reused as is, so this is safe to call from every test run or CLI invocation.
 */
export async function stackUp(o: StackOptions): Promise<StackState> {
  const dataDir = resolve(o.dataDir);
  const paths = stackPaths(dataDir);
  await mkdir(paths.logsDir, { recursive: true });
  const previous = await readState(paths.stateFile);

  const kafkaBefore = previous?.kafka ? aliveBrokers(previous.kafka) : [];
  const [es, kafka] = await Promise.allSettled([
    ensureElasticsearch(paths, o, previous?.elasticsearch),
    ensureKafka(paths, o, previous?.kafka),
  ]);
  if (es.status === 'rejected') {
    // Only what this call started is stopped again.
    if (kafka.status === 'fulfilled' && kafka.value) {
      const started = kafka.value.pids.map((_, i) => i + 1).filter((id) => !kafkaBefore.includes(id));
      await stopBrokers(kafka.value, started);
    }
    throw es.reason;
  }
  const reused = previous !== undefined && aliveNodes(previous.elasticsearch).length > 0;
  const state: StoredState = {
    dataDir,
    elasticsearch: es.value,
    startedAt: reused ? previous.startedAt : new Date().toISOString(),
  };
  if (kafka.status === 'fulfilled' && kafka.value) state.kafka = kafka.value;
  // Written even when Kafka failed, so that `stack down` still finds the running ES.
  await writeState(paths.stateFile, state);
  if (kafka.status === 'rejected') throw kafka.reason;
  return state;
}

async function ensureElasticsearch(
  paths: StackPaths,
  o: StackOptions,
  running?: StoredEs,
): Promise<StoredEs> {
  const nodes = o.nodes ?? 1;
  const httpPort = o.esHttpPort ?? 9200;
  const engine = o.engine ?? 'elasticsearch';
  if (!running || aliveNodes(running).length === 0) {
    const launch = {
      engine,
      home: engine === 'opensearch' ? paths.openSearchHome : paths.esHome,
      clusterName: 'flowtrail',
      transportPort: transportPortFor(httpPort),
      heapMb: o.esHeapMb ?? 512,
    };
    return startElasticsearch(paths, { nodes, httpPort, launch }, o.logger);
  }
  if (running.nodes !== nodes || running.httpPorts[0] !== httpPort || running.launch.engine !== engine) {
    throw new Error(
      `the stack in ${paths.root} already runs ${engineName(running.launch.engine)} with ${running.nodes} node(s) at ${running.url}; ` +
        'stop it (flowtrail stack down) before starting it with other options',
    );
  }
  // Nodes stopped on their own (`stack node stop`) or crashed rejoin on their ports and data paths.
  const complete = await startMissingNodes(paths, running, o.logger);
  // A JVM that is still starting (or recovering) gets the normal start budget before it counts as broken.
  const { pid, logFile, launch, url } = complete;
  await waitUntilReady(
    { what: 'Elasticsearch', pid, marker: launch.home, logFile, timeoutMs: ES_START_TIMEOUT_MS },
    () => esHealthy(url, nodes),
  );
  return complete;
}

/** Kafka that already runs is kept even when not asked for: `stack up` never stops anything. */
async function ensureKafka(
  paths: StackPaths,
  o: StackOptions,
  running?: StoredKafka,
): Promise<StoredKafka | undefined> {
  const port = o.kafkaPort ?? 9092;
  const brokers = o.brokers ?? 1;
  if (running && aliveBrokers(running).length > 0) {
    if (o.kafka && (running.launch.port !== port || running.brokers !== brokers)) {
      throw new Error(
        `the stack in ${paths.root} already runs Kafka with ${running.brokers} broker(s) at ${running.bootstrap}; ` +
          'stop it (flowtrail stack down) before starting it with other options',
      );
    }
    // Brokers stopped on their own (`stack broker stop`) or crashed rejoin on their ports and data.
    return startMissingBrokers(paths, running, o.logger);
  }
  if (!o.kafka) return undefined;
  const launch = {
    home: paths.kafkaHome,
    port,
    controllerPort: controllerPortFor(port),
    heapMb: o.kafkaHeapMb ?? 512,
    brokers,
  };
  return startKafka(paths, launch, o.logger);
}

/** Stops every process of the stack (whole process groups) and removes the state file. */
export async function stackDown(dataDir: string): Promise<{ stopped: string[] }> {
  const paths = stackPaths(dataDir);
  const state = await readState(paths.stateFile);
  const stopped: string[] = [];
  if (state) {
    await Promise.all([
      state.kafka && aliveBrokers(state.kafka).length > 0
        ? stopBrokers(state.kafka, aliveBrokers(state.kafka)).then(() => stopped.push('kafka'))
        : undefined,
      stopNodes(state.elasticsearch, aliveNodes(state.elasticsearch)).then(
        (ids) => ids.length > 0 && stopped.push('elasticsearch'),
      ),
    ]);
  }
  await removeState(paths.stateFile);
  return { stopped: stopped.sort() };
}

export async function stackStatus(dataDir: string): Promise<{
  state?: StackState;
  elasticsearch: 'up' | 'down' | 'unhealthy';
  /** `degraded`: some brokers are down, the others answer. */
  kafka: 'up' | 'degraded' | 'down' | 'absent';
  /** Ids of the brokers whose JVM runs. */
  kafkaBrokersUp?: number[];
  /** The bootstrap list of those brokers only: a client given a dead seed broker may give up on it. */
  kafkaBootstrapUp?: string;
}> {
  const state = await readState(stackPaths(dataDir).stateFile);
  if (!state) return { elasticsearch: 'down', kafka: 'absent' };
  const es = state.elasticsearch;
  const alive = aliveNodes(es);
  const url = alive.length > 0 ? `http://127.0.0.1:${es.httpPorts[alive[0] - 1]}` : es.url;
  const elasticsearch = alive.length === 0 ? 'down' : (await esHealthy(url, es.nodes)) ? 'up' : 'unhealthy';
  let kafka: 'up' | 'degraded' | 'down' | 'absent' = 'absent';
  if (state.kafka) {
    const alive = aliveBrokers(state.kafka);
    const launch = state.kafka.launch;
    const bootstrapUp = alive.map((id) => `127.0.0.1:${brokerPorts(launch, id).port}`).join(',');
    if (alive.length === 0 || !(await kafkaReady(bootstrapUp, 2))) kafka = 'down';
    else kafka = alive.length === state.kafka.brokers ? 'up' : 'degraded';
    return { state, elasticsearch, kafka, kafkaBrokersUp: alive, kafkaBootstrapUp: bootstrapUp };
  }
  return { state, elasticsearch, kafka };
}

/** Stops (SIGTERM, then SIGKILL after a grace) the JVMs of the nodes `ids`, in parallel; returns their ids. */
async function stopNodes(es: StoredEs, ids: number[], kill = false): Promise<number[]> {
  // A state file of the one-JVM launcher names the same pid for every node.
  const pids = [...new Set(ids.map((id) => es.nodePids[id - 1]))];
  await Promise.all(pids.map((pid) => (kill ? killGroup(pid) : stopGroup(pid, STOP_GRACE_MS))));
  return ids;
}

async function stopBrokers(kafka: StoredKafka, ids: number[], kill = false): Promise<void> {
  await Promise.all(
    ids.map((id) => (kill ? killGroup(kafka.pids[id - 1]) : stopGroup(kafka.pids[id - 1], STOP_GRACE_MS))),
  );
}

async function runningState(dataDir: string): Promise<{ paths: StackPaths; state: StoredState }> {
  const paths = stackPaths(dataDir);
  const state = await readState(paths.stateFile);
  if (!state) throw new Error(`no stack is running in ${resolve(dataDir)} (no ${paths.stateFile})`);
  return { paths, state };
}

function checkNodeId(es: StoredEs, id: number): void {
  if (!Number.isInteger(id) || id < 1 || id > es.nodes)
    throw new Error(`node ${id}: the cluster has node(s) 1 to ${es.nodes}`);
  if (new Set(es.nodePids).size !== es.nodes)
    throw new Error(
      'this stack runs all its nodes in one JVM (started by an older flowtrail); restart it first',
    );
}

/**
 * Stops one node of the embedded cluster: SIGTERM (a clean shutdown), or with `kill` SIGKILL (a crash). The
 * other nodes keep running; `startNode` or `stack up` brings it back.
 */
export async function stopNode(dataDir: string, id: number, opts: { kill?: boolean } = {}): Promise<void> {
  const { state } = await runningState(dataDir);
  checkNodeId(state.elasticsearch, id);
  if (aliveNodes(state.elasticsearch).includes(id)) await stopNodes(state.elasticsearch, [id], opts.kill);
}

/** Starts one stopped node again on its ports and data path; resolves once the cluster has all its nodes. */
export async function startNode(dataDir: string, id: number, logger?: Logger): Promise<StackState> {
  const { paths, state } = await runningState(dataDir);
  checkNodeId(state.elasticsearch, id);
  state.elasticsearch = await startMissingNodes(paths, state.elasticsearch, logger);
  await writeState(paths.stateFile, state);
  return state;
}

function runningKafka(state: StoredState, id: number): StoredKafka {
  const kafka = state.kafka;
  if (!kafka) throw new Error('this stack runs no Kafka (stack up --kafka)');
  if (!Number.isInteger(id) || id < 1 || id > kafka.brokers)
    throw new Error(`broker ${id}: the Kafka cluster has broker(s) 1 to ${kafka.brokers}`);
  return kafka;
}

/** Stops one Kafka broker: SIGTERM (a controlled shutdown that moves its leaderships), or with `kill` SIGKILL. */
export async function stopBroker(dataDir: string, id: number, opts: { kill?: boolean } = {}): Promise<void> {
  const { state } = await runningState(dataDir);
  const kafka = runningKafka(state, id);
  if (aliveBrokers(kafka).includes(id)) await stopBrokers(kafka, [id], opts.kill);
}

/** Starts stopped brokers again on their ports and data; resolves once each answers. */
export async function startBroker(dataDir: string, id: number, logger?: Logger): Promise<StackState> {
  const { paths, state } = await runningState(dataDir);
  state.kafka = await startMissingBrokers(paths, runningKafka(state, id), logger);
  await writeState(paths.stateFile, state);
  return state;
}

/** Where node `id` keeps its data: deleting it (node stopped) is the loss of that node's disk. */
export async function nodeDataDir(dataDir: string, id: number): Promise<string> {
  const { state } = await runningState(dataDir);
  checkNodeId(state.elasticsearch, id);
  return join(state.elasticsearch.launch.home, `node_${id}`, 'data');
}

/**
 * Crash-restarts Elasticsearch: SIGKILL of every node (no clean shutdown), `downtimeMs` of absence, then a start
 * on the same ports and data paths. Resolves once the cluster is healthy again.
 */
export async function restartElasticsearch(
  dataDir: string,
  opts: { downtimeMs?: number } = {},
): Promise<void> {
  const { paths, state } = await runningState(dataDir);
  const es = state.elasticsearch;
  await stopNodes(es, aliveNodes(es), true);
  if (opts.downtimeMs) await sleep(opts.downtimeMs);
  state.elasticsearch = await startElasticsearch(paths, {
    nodes: es.nodes,
    httpPort: es.httpPorts[0],
    launch: es.launch,
  });
  await writeState(paths.stateFile, state);
}
