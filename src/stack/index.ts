import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  ES_START_TIMEOUT_MS,
  engineName,
  esAlive,
  esHealthy,
  startElasticsearch,
  transportPortFor,
} from './elasticsearch.js';
import { controllerPortFor, kafkaAlive, kafkaReady, startKafka } from './kafka.js';
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

export { defaultDataDir } from './paths.js';
export type { StackEngine, StackState } from './state.js';

export interface StackOptions {
  dataDir: string;
  /** What the node runs: Elasticsearch 7.10 OSS (default) or OpenSearch 2.19. */
  engine?: StackEngine;
  /** Nodes of the ES cluster, all in one JVM. Default 1. */
  nodes?: number;
  kafka?: boolean;
  /** HTTP port of node-1; node-i uses esHttpPort+i-1 and transport port esHttpPort+100+i-1. Default 9200. */
  esHttpPort?: number;
  /** Kafka client port; the KRaft controller uses kafkaPort+1. Default 9092. */
  kafkaPort?: number;
  /** Heap of the ES JVM, shared by all its nodes. Default 512. */
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

  const [es, kafka] = await Promise.allSettled([
    ensureElasticsearch(paths, o, previous?.elasticsearch),
    ensureKafka(paths, o, previous?.kafka),
  ]);
  if (es.status === 'rejected') {
    if (kafka.status === 'fulfilled' && kafka.value && kafka.value !== previous?.kafka) {
      await stopGroup(kafka.value.pid, STOP_GRACE_MS);
    }
    throw es.reason;
  }
  const reused = previous?.elasticsearch.pid === es.value.pid;
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
  if (!running || !esAlive(running)) {
    const engine = o.engine ?? 'elasticsearch';
    const launch = {
      engine,
      home: engine === 'opensearch' ? paths.openSearchHome : paths.esHome,
      clusterName: 'flowtrail',
      transportPort: transportPortFor(httpPort),
      heapMb: o.esHeapMb ?? 512,
    };
    return startElasticsearch(paths, { nodes, httpPort, launch }, o.logger);
  }
  const engine = o.engine ?? 'elasticsearch';
  if (running.nodes !== nodes || running.httpPorts[0] !== httpPort || running.launch.engine !== engine) {
    throw new Error(
      `the stack in ${paths.root} already runs ${engineName(running.launch.engine)} with ${running.nodes} node(s) at ${running.url}; ` +
        'stop it (flowtrail stack down) before starting it with other options',
    );
  }
  // A JVM that is still starting (or recovering) gets the normal start budget before it counts as broken.
  const { pid, logFile, launch, url } = running;
  await waitUntilReady(
    { what: 'Elasticsearch', pid, marker: launch.home, logFile, timeoutMs: ES_START_TIMEOUT_MS },
    () => esHealthy(url, nodes),
  );
  return running;
}

/** Kafka that already runs is kept even when not asked for: `stack up` never stops anything. */
async function ensureKafka(
  paths: StackPaths,
  o: StackOptions,
  running?: StoredKafka,
): Promise<StoredKafka | undefined> {
  const port = o.kafkaPort ?? 9092;
  if (running && kafkaAlive(running)) {
    if (o.kafka && running.launch.port !== port) {
      throw new Error(
        `the stack in ${paths.root} already runs Kafka at ${running.bootstrap}; ` +
          'stop it (flowtrail stack down) before starting it with other options',
      );
    }
    return running;
  }
  if (!o.kafka) return undefined;
  const launch = {
    home: paths.kafkaHome,
    port,
    controllerPort: controllerPortFor(port),
    heapMb: o.kafkaHeapMb ?? 512,
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
      state.kafka && kafkaAlive(state.kafka)
        ? stopGroup(state.kafka.pid, STOP_GRACE_MS).then(() => stopped.push('kafka'))
        : undefined,
      esAlive(state.elasticsearch)
        ? stopGroup(state.elasticsearch.pid, STOP_GRACE_MS).then(() => stopped.push('elasticsearch'))
        : undefined,
    ]);
  }
  await removeState(paths.stateFile);
  return { stopped: stopped.sort() };
}

export async function stackStatus(dataDir: string): Promise<{
  state?: StackState;
  elasticsearch: 'up' | 'down' | 'unhealthy';
  kafka: 'up' | 'down' | 'absent';
}> {
  const state = await readState(stackPaths(dataDir).stateFile);
  if (!state) return { elasticsearch: 'down', kafka: 'absent' };
  const es = state.elasticsearch;
  const elasticsearch = !esAlive(es) ? 'down' : (await esHealthy(es.url, es.nodes)) ? 'up' : 'unhealthy';
  let kafka: 'up' | 'down' | 'absent' = 'absent';
  if (state.kafka)
    kafka = kafkaAlive(state.kafka) && (await kafkaReady(state.kafka.bootstrap)) ? 'up' : 'down';
  return { state, elasticsearch, kafka };
}

/**
 * Crash-restarts Elasticsearch: SIGKILL (no clean shutdown), `downtimeMs` of absence, then a start on the
 * same ports and data path. Resolves once the cluster is healthy again.
 */
export async function restartElasticsearch(
  dataDir: string,
  opts: { downtimeMs?: number } = {},
): Promise<void> {
  const paths = stackPaths(dataDir);
  const state = await readState(paths.stateFile);
  if (!state) throw new Error(`no stack is running in ${resolve(dataDir)} (no ${paths.stateFile})`);
  const es = state.elasticsearch;
  if (esAlive(es)) await killGroup(es.pid);
  if (opts.downtimeMs) await sleep(opts.downtimeMs);
  state.elasticsearch = await startElasticsearch(paths, {
    nodes: es.nodes,
    httpPort: es.httpPorts[0],
    launch: es.launch,
  });
  await writeState(paths.stateFile, state);
}
