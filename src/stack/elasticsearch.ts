import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { jdkTool } from './exec.js';
import { compileEsLauncher } from './launcher.js';
import { resolveClasspath } from './maven.js';
import { type StackPaths, stackAssetsDir } from './paths.js';
import { assertPortsFree } from './ports.js';
import { isAlive, killGroup, spawnDetached } from './process.js';
import type { EsLaunch, StackEngine, StoredEs } from './state.js';
import { waitUntilReady } from './wait.js';

export const ES_START_TIMEOUT_MS = 180_000;

/** ES convention (9200 → 9300): transport ports sit 100 above the HTTP ports. */
export function transportPortFor(httpPort: number): number {
  return httpPort + 100;
}

/** Console-only logging: stdout is already the node's log file, and ES's own files would duplicate it. */
const LOG4J2_PROPERTIES = `status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}][%t] %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
`;

/** What each engine is started from: its pom under stack/ and its launcher under stack/java. */
const ENGINES: Record<StackEngine, { pom: string; launcher: string; name: string }> = {
  elasticsearch: { pom: 'pom.xml', launcher: 'FlowtrailElasticsearch', name: 'Elasticsearch' },
  opensearch: { pom: 'opensearch-pom.xml', launcher: 'FlowtrailOpenSearch', name: 'OpenSearch' },
};

export function engineName(engine: StackEngine): string {
  return ENGINES[engine].name;
}

export interface EsSpec {
  nodes: number;
  httpPort: number;
  launch: EsLaunch;
}

/** True when the cluster answers with all `nodes` joined and its status is green or yellow. */
export async function esHealthy(url: string, nodes: number): Promise<boolean> {
  try {
    const res = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return false;
    const health = (await res.json()) as { status?: string; number_of_nodes?: number };
    return (health.status === 'green' || health.status === 'yellow') && health.number_of_nodes === nodes;
  } catch {
    return false;
  }
}

/** Which nodes (1-based ids) of the cluster have a running JVM. */
export function aliveNodes(es: StoredEs): number[] {
  return es.nodePids.flatMap((pid, i) => (isAlive(pid, es.launch.home) ? [i + 1] : []));
}

export function esAlive(es: StoredEs): boolean {
  return aliveNodes(es).length === es.nodes;
}

/** node-1 writes elasticsearch.log (as the single node always did); node-i writes elasticsearch-node-i.log. */
export function nodeLogFile(paths: StackPaths, id: number): string {
  return id === 1 ? paths.esLog : join(paths.logsDir, `elasticsearch-node-${id}.log`);
}

/** Where the nodes' `path.repo` points: filesystem snapshot repositories live below it, one tree per engine. */
export function snapshotRepoPath(paths: StackPaths, engine: StackEngine): string {
  return join(paths.snapshotsDir, engine);
}

/** The java command line of node `id`: one JVM per node, so that a node can be stopped on its own. */
async function nodeCommand(paths: StackPaths, spec: EsSpec, id: number, logger?: Logger): Promise<string[]> {
  const { nodes, httpPort, launch } = spec;
  const engine = ENGINES[launch.engine];
  const assets = stackAssetsDir();
  const classpath = await resolveClasspath(join(assets, engine.pom), paths.cacheDir, logger);
  const launcherDir = await compileEsLauncher(assets, paths.cacheDir, classpath, engine.launcher);
  const repoPath = snapshotRepoPath(paths, launch.engine);
  await mkdir(repoPath, { recursive: true });
  await writeLoggingConfig(launch.home, id);
  await mkdir(paths.logsDir, { recursive: true });
  return [
    `-Xms${launch.heapMb}m`,
    `-Xmx${launch.heapMb}m`,
    '-XX:+ExitOnOutOfMemoryError',
    // What the engines' own jvm.options set on JDK 9+: COMPAT keeps 7.x date parsing, the rest keeps netty and log4j sane.
    '-Djava.locale.providers=SPI,COMPAT',
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dlog4j2.disable.jmx=true',
    '-Dfile.encoding=UTF-8',
    '-cp',
    `${launcherDir}:${classpath}`,
    engine.launcher,
    launch.home,
    launch.clusterName,
    String(nodes),
    String(httpPort),
    String(launch.transportPort),
    String(id),
    repoPath,
  ];
}

function nodePorts(spec: EsSpec, id: number): Array<{ port: number; purpose: string }> {
  return [
    { port: spec.httpPort + id - 1, purpose: `Elasticsearch node-${id} HTTP` },
    { port: spec.launch.transportPort + id - 1, purpose: `Elasticsearch node-${id} transport` },
  ];
}

/** Starts node `id` of the cluster in a JVM of its own and returns its pid; does not wait for it. */
async function spawnNode(paths: StackPaths, spec: EsSpec, id: number, logger?: Logger): Promise<number> {
  const args = await nodeCommand(paths, spec, id, logger);
  const what = `${spec.launch.engine} node-${id} of ${spec.nodes}`;
  return spawnDetached(jdkTool('java'), args, nodeLogFile(paths, id), what);
}

/** Waits until every node in `ids` runs and the cluster has all its nodes; a node that dies fails it at once. */
async function waitForCluster(paths: StackPaths, es: StoredEs, ids: number[]): Promise<void> {
  const [first, ...others] = ids.map((id) => ({
    what: `${engineName(es.launch.engine)} node-${id}`,
    pid: es.nodePids[id - 1],
    marker: es.launch.home,
    logFile: nodeLogFile(paths, id),
    timeoutMs: ES_START_TIMEOUT_MS,
  }));
  const url = `http://127.0.0.1:${es.httpPorts[ids[0] - 1]}`;
  await waitUntilReady({ ...first, others }, () => esHealthy(url, es.nodes));
}

/**
 * Starts every node of the cluster (a JVM each, in parallel) and waits for cluster health. An existing data path
 * is reused as is: the cluster runner never wipes it, which is what makes restarts keep their data.
 */
export async function startElasticsearch(
  paths: StackPaths,
  spec: EsSpec,
  logger?: Logger,
): Promise<StoredEs> {
  const { nodes, httpPort, launch } = spec;
  const ids = Array.from({ length: nodes }, (_, i) => i + 1);
  await assertPortsFree([
    ...ids.flatMap((id) => nodePorts(spec, id).slice(0, 1)),
    ...ids.flatMap((id) => nodePorts(spec, id).slice(1)),
  ]);
  const httpPorts = ids.map((id) => httpPort + id - 1);
  logger?.info(
    { engine: launch.engine, nodes, httpPorts, home: launch.home },
    `starting ${engineName(launch.engine)}`,
  );
  const nodePids: number[] = [];
  for (const id of ids) nodePids.push(await spawnNode(paths, spec, id, logger));
  const es: StoredEs = {
    url: `http://127.0.0.1:${httpPort}`,
    pid: nodePids[0],
    nodePids,
    nodes,
    httpPorts,
    logFile: paths.esLog,
    launch,
  };
  try {
    await waitForCluster(paths, es, ids);
  } catch (err) {
    await Promise.all(nodePids.map((pid) => killGroup(pid)));
    throw err;
  }
  logger?.info({ url: es.url, pids: nodePids }, `${engineName(launch.engine)} is up`);
  return es;
}

/**
 * Starts the nodes of a running cluster whose JVM is gone (stopped, killed, crashed) on their ports and data
 * paths, and waits until the cluster has all its nodes again. Returns the cluster with their new pids.
 */
export async function startMissingNodes(paths: StackPaths, es: StoredEs, logger?: Logger): Promise<StoredEs> {
  const alive = new Set(aliveNodes(es));
  const missing = Array.from({ length: es.nodes }, (_, i) => i + 1).filter((id) => !alive.has(id));
  if (missing.length === 0) return es;
  const spec = { nodes: es.nodes, httpPort: es.httpPorts[0], launch: es.launch };
  await assertPortsFree(missing.flatMap((id) => nodePorts(spec, id)));
  const nodePids = [...es.nodePids];
  for (const id of missing) nodePids[id - 1] = await spawnNode(paths, spec, id, logger);
  const restarted: StoredEs = { ...es, nodePids, pid: nodePids[0] };
  try {
    await waitForCluster(paths, restarted, missing);
  } catch (err) {
    await Promise.all(missing.map((id) => killGroup(nodePids[id - 1])));
    throw err;
  }
  return restarted;
}

/** The runner keeps an existing config/log4j2.properties, so ours replaces its debug-level default. */
async function writeLoggingConfig(home: string, id: number): Promise<void> {
  const configDir = join(home, `node_${id}`, 'config');
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, 'log4j2.properties'), LOG4J2_PROPERTIES);
}
