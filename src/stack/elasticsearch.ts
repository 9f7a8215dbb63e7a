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

/** Console-only logging: stdout is already the stack's elasticsearch.log, and ES's own files would duplicate it. */
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

export function esAlive(es: StoredEs): boolean {
  return isAlive(es.pid, es.launch.home);
}

/**
 * Starts the ES JVM (all nodes in one process) and waits for cluster health. An existing data path is
 * reused as is: the cluster runner never wipes it, which is what makes restarts keep their data.
 */
export async function startElasticsearch(
  paths: StackPaths,
  spec: EsSpec,
  logger?: Logger,
): Promise<StoredEs> {
  const { nodes, httpPort, launch } = spec;
  const httpPorts = Array.from({ length: nodes }, (_, i) => httpPort + i);
  await assertPortsFree([
    ...httpPorts.map((port, i) => ({ port, purpose: `Elasticsearch node-${i + 1} HTTP` })),
    ...httpPorts.map((_, i) => ({
      port: launch.transportPort + i,
      purpose: `Elasticsearch node-${i + 1} transport`,
    })),
  ]);

  const engine = ENGINES[launch.engine];
  const assets = stackAssetsDir();
  const classpath = await resolveClasspath(join(assets, engine.pom), paths.cacheDir, logger);
  const launcherDir = await compileEsLauncher(assets, paths.cacheDir, classpath, engine.launcher);
  await writeLoggingConfig(launch.home, nodes);
  await mkdir(paths.logsDir, { recursive: true });

  const args = [
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
  ];
  logger?.info({ engine: launch.engine, nodes, httpPorts, home: launch.home }, `starting ${engine.name}`);
  const pid = spawnDetached(jdkTool('java'), args, paths.esLog, `${launch.engine} (${nodes} node(s))`);
  const es: StoredEs = {
    url: `http://127.0.0.1:${httpPort}`,
    pid,
    nodes,
    httpPorts,
    logFile: paths.esLog,
    launch,
  };
  try {
    await waitUntilReady(
      {
        what: engine.name,
        pid,
        marker: launch.home,
        logFile: paths.esLog,
        timeoutMs: ES_START_TIMEOUT_MS,
      },
      () => esHealthy(es.url, nodes),
    );
  } catch (err) {
    await killGroup(pid);
    throw err;
  }
  logger?.info({ url: es.url, pid }, `${engine.name} is up`);
  return es;
}

/** The runner keeps an existing config/log4j2.properties, so ours replaces its debug-level default. */
async function writeLoggingConfig(home: string, nodes: number): Promise<void> {
  for (let id = 1; id <= nodes; id++) {
    const configDir = join(home, `node_${id}`, 'config');
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'log4j2.properties'), LOG4J2_PROPERTIES);
  }
}
