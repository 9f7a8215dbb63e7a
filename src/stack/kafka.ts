import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { jdkTool, run } from './exec.js';
import { resolveClasspath } from './maven.js';
import { type StackPaths, stackAssetsDir } from './paths.js';
import { assertPortsFree } from './ports.js';
import { isAlive, killGroup, spawnDetached } from './process.js';
import type { KafkaLaunch, StoredKafka } from './state.js';
import { waitUntilReady } from './wait.js';

export const KAFKA_START_TIMEOUT_MS = 120_000;

/** The KRaft controller listener sits right above the client port. */
export function controllerPortFor(port: number): number {
  return port + 1;
}

const LOG4J2_PROPERTIES = `status = warn
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%c{1}] %m%n
rootLogger.level = warn
rootLogger.appenderRef.console.ref = console
# Keeps "Kafka Server started" and startup failures in the log without the thousand lines of config dumps.
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
`;

/** Broker `id` (1-based) listens for clients two ports above broker id-1, its controller right above that. */
export function brokerPorts(launch: KafkaLaunch, id: number): { port: number; controllerPort: number } {
  const port = launch.port + 2 * (id - 1);
  return { port, controllerPort: controllerPortFor(port) };
}

/** A single broker keeps the directory layout of the releases before clusters of brokers. */
export function brokerHome(launch: KafkaLaunch, id: number): string {
  return launch.brokers === 1 ? launch.home : join(launch.home, `broker-${id}`);
}

export function brokerLog(paths: StackPaths, id: number): string {
  return id === 1 ? paths.kafkaLog : paths.kafkaLog.replace(/\.log$/, `-${id}.log`);
}

/**
 * Every broker is also a KRaft controller, so a cluster of three keeps its quorum (and its data: replication
 * factor 3, at least 2 in sync for an acks=all write) through the loss of any one broker.
 */
function serverProperties(launch: KafkaLaunch, id: number): string {
  const { port, controllerPort } = brokerPorts(launch, id);
  const voters = Array.from(
    { length: launch.brokers },
    (_, i) => `${i + 1}@127.0.0.1:${brokerPorts(launch, i + 1).controllerPort}`,
  ).join(',');
  const replication = Math.min(3, launch.brokers);
  const minInSync = launch.brokers >= 3 ? 2 : 1;
  return `process.roles=broker,controller
node.id=${id}
controller.quorum.voters=${voters}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${join(brokerHome(launch, id), 'data')}
num.partitions=1
auto.create.topics.enable=true
default.replication.factor=${replication}
min.insync.replicas=${minInSync}
offsets.topic.replication.factor=${replication}
share.coordinator.state.topic.replication.factor=${replication}
share.coordinator.state.topic.min.isr=${minInSync}
transaction.state.log.replication.factor=${replication}
transaction.state.log.min.isr=${minInSync}
group.initial.rebalance.delay.ms=0
`;
}

function bootstrapOf(launch: KafkaLaunch): string {
  return Array.from(
    { length: launch.brokers },
    (_, i) => `127.0.0.1:${brokerPorts(launch, i + 1).port}`,
  ).join(',');
}

/**
 * True when a broker answers a metadata request. One quick try suits a loop that waits for a start; a status check
 * asks with `retries`, since brokers that just lost a peer (leader elections, a loaded machine) can miss a 2 s
 * connection timeout once while they are up.
 */
export async function kafkaReady(bootstrap: string, retries = 0): Promise<boolean> {
  const admin = new Kafka({
    brokers: bootstrap.split(','),
    clientId: 'flowtrail-stack',
    connectionTimeout: retries === 0 ? 2_000 : 5_000,
    retry: { retries },
    logLevel: logLevel.NOTHING,
  }).admin();
  try {
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function assertBrokerPortsFree(launch: KafkaLaunch, ids: number[]): Promise<void> {
  return assertPortsFree(
    ids.flatMap((id) => {
      const { port, controllerPort } = brokerPorts(launch, id);
      return [
        { port, purpose: `Kafka broker ${id} client listener` },
        { port: controllerPort, purpose: `Kafka broker ${id} KRaft controller` },
      ];
    }),
  );
}

/** The brokers (1-based ids) whose JVM runs. */
export function aliveBrokers(kafka: StoredKafka): number[] {
  return kafka.pids.flatMap((pid, i) => (isAlive(pid, brokerHome(kafka.launch, i + 1)) ? [i + 1] : []));
}

export async function startKafka(
  paths: StackPaths,
  launch: KafkaLaunch,
  logger?: Logger,
): Promise<StoredKafka> {
  const ids = Array.from({ length: launch.brokers }, (_, i) => i + 1);
  await assertBrokerPortsFree(launch, ids);
  const classpath = await resolveClasspath(join(stackAssetsDir(), 'kafka-pom.xml'), paths.cacheDir, logger);
  await mkdir(paths.logsDir, { recursive: true });
  const clusterId = await clusterIdOf(launch, ids);
  const pids: number[] = [];
  try {
    // All at once: a controller quorum forms only once a majority of the brokers runs.
    for (const id of ids) pids.push(await spawnBroker(paths, launch, id, classpath, clusterId, logger));
    await Promise.all(ids.map((id) => waitForBroker(paths, launch, id, pids[id - 1])));
  } catch (err) {
    await Promise.all(pids.map((pid) => killGroup(pid)));
    throw err;
  }
  const kafka: StoredKafka = {
    bootstrap: bootstrapOf(launch),
    pid: pids[0],
    pids,
    brokers: launch.brokers,
    logFile: paths.kafkaLog,
    launch,
  };
  logger?.info({ bootstrap: kafka.bootstrap, pids }, 'Kafka is up');
  return kafka;
}

/** Starts the brokers whose JVM is gone again, on their ports and data; resolves once each answers. */
export async function startMissingBrokers(
  paths: StackPaths,
  kafka: StoredKafka,
  logger?: Logger,
): Promise<StoredKafka> {
  const alive = new Set(aliveBrokers(kafka));
  const missing = kafka.pids.map((_, i) => i + 1).filter((id) => !alive.has(id));
  if (missing.length === 0) return kafka;
  const { launch } = kafka;
  await assertBrokerPortsFree(launch, missing);
  const classpath = await resolveClasspath(join(stackAssetsDir(), 'kafka-pom.xml'), paths.cacheDir, logger);
  const clusterId = await clusterIdOf(launch, missing);
  const pids = [...kafka.pids];
  for (const id of missing) pids[id - 1] = await spawnBroker(paths, launch, id, classpath, clusterId, logger);
  await Promise.all(missing.map((id) => waitForBroker(paths, launch, id, pids[id - 1])));
  return { ...kafka, pid: pids[0], pids };
}

async function spawnBroker(
  paths: StackPaths,
  launch: KafkaLaunch,
  id: number,
  classpath: string,
  clusterId: string,
  logger?: Logger,
): Promise<number> {
  const home = brokerHome(launch, id);
  const propsFile = join(home, 'server.properties');
  const log4jFile = join(home, 'log4j2.properties');
  await mkdir(home, { recursive: true });
  await writeFile(propsFile, serverProperties(launch, id));
  await writeFile(log4jFile, LOG4J2_PROPERTIES);
  const jvm = [`-Dlog4j2.configurationFile=${log4jFile}`, '-cp', classpath];
  await formatStorageOnce(home, jvm, propsFile, clusterId);
  const args = [`-Xms${launch.heapMb}m`, `-Xmx${launch.heapMb}m`, '-XX:+ExitOnOutOfMemoryError', ...jvm];
  logger?.info({ broker: id, port: brokerPorts(launch, id).port }, 'starting Kafka');
  return spawnDetached(
    jdkTool('java'),
    [...args, 'kafka.Kafka', propsFile],
    brokerLog(paths, id),
    `kafka-${id}`,
  );
}

async function waitForBroker(paths: StackPaths, launch: KafkaLaunch, id: number, pid: number): Promise<void> {
  await waitUntilReady(
    {
      what: `Kafka broker ${id}`,
      pid,
      marker: brokerHome(launch, id),
      logFile: brokerLog(paths, id),
      timeoutMs: KAFKA_START_TIMEOUT_MS,
    },
    () => kafkaReady(`127.0.0.1:${brokerPorts(launch, id).port}`),
  );
}

/**
 * The id every broker's storage must be formatted with: the one a broker already has (a restart, or a broker
 * whose disk was replaced rejoining), else a new one.
 */
async function clusterIdOf(launch: KafkaLaunch, starting: number[]): Promise<string> {
  for (let id = 1; id <= launch.brokers; id++) {
    const meta = join(brokerHome(launch, id), 'data', 'meta.properties');
    if (!existsSync(meta)) continue;
    const found = /^cluster\.id=(.+)$/m.exec(await readFile(meta, 'utf8'));
    if (found) return found[1].trim();
  }
  if (starting.length < launch.brokers)
    throw new Error(`no Kafka broker of ${launch.home} has formatted storage to take the cluster id from`);
  return randomBytes(16).toString('base64url');
}

/** KRaft refuses to start on unformatted storage; formatting again would discard the cluster id. */
async function formatStorageOnce(
  home: string,
  jvm: string[],
  propsFile: string,
  clusterId: string,
): Promise<void> {
  if (existsSync(join(home, 'data', 'meta.properties'))) return;
  // In the --name=value form: a base64url id may start with '-', which the tool would read as an option.
  const result = await run(jdkTool('java'), [
    ...jvm,
    'kafka.tools.StorageTool',
    'format',
    `--cluster-id=${clusterId}`,
    `--config=${propsFile}`,
  ]);
  if (result.code !== 0)
    throw new Error(`formatting Kafka storage in ${home} failed:\n${result.output.trim()}`);
}
