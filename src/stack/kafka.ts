import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
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

/** One node acting as broker and controller: the smallest KRaft setup that clients can use. */
function serverProperties(launch: KafkaLaunch): string {
  return `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${launch.controllerPort}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:${launch.port},CONTROLLER://127.0.0.1:${launch.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${launch.port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${join(launch.home, 'data')}
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
`;
}

function bootstrapOf(launch: KafkaLaunch): string {
  return `127.0.0.1:${launch.port}`;
}

/** True when the broker answers a metadata request. */
export async function kafkaReady(bootstrap: string): Promise<boolean> {
  const admin = new Kafka({
    brokers: [bootstrap],
    clientId: 'flowtrail-stack',
    connectionTimeout: 2_000,
    retry: { retries: 0 },
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

export function kafkaAlive(kafka: StoredKafka): boolean {
  return isAlive(kafka.pid, kafka.launch.home);
}

export async function startKafka(
  paths: StackPaths,
  launch: KafkaLaunch,
  logger?: Logger,
): Promise<StoredKafka> {
  await assertPortsFree([
    { port: launch.port, purpose: 'Kafka client listener' },
    { port: launch.controllerPort, purpose: 'Kafka KRaft controller' },
  ]);
  const classpath = await resolveClasspath(join(stackAssetsDir(), 'kafka-pom.xml'), paths.cacheDir, logger);
  const propsFile = join(launch.home, 'server.properties');
  const log4jFile = join(launch.home, 'log4j2.properties');
  await mkdir(launch.home, { recursive: true });
  await mkdir(paths.logsDir, { recursive: true });
  await writeFile(propsFile, serverProperties(launch));
  await writeFile(log4jFile, LOG4J2_PROPERTIES);
  const jvm = [`-Dlog4j2.configurationFile=${log4jFile}`, '-cp', classpath];
  await formatStorageOnce(launch, jvm, propsFile);

  const args = [`-Xms${launch.heapMb}m`, `-Xmx${launch.heapMb}m`, '-XX:+ExitOnOutOfMemoryError', ...jvm];
  logger?.info({ bootstrap: bootstrapOf(launch) }, 'starting Kafka');
  const pid = spawnDetached(jdkTool('java'), [...args, 'kafka.Kafka', propsFile], paths.kafkaLog, 'kafka');
  const kafka: StoredKafka = { bootstrap: bootstrapOf(launch), pid, logFile: paths.kafkaLog, launch };
  try {
    await waitUntilReady(
      { what: 'Kafka', pid, marker: launch.home, logFile: paths.kafkaLog, timeoutMs: KAFKA_START_TIMEOUT_MS },
      () => kafkaReady(kafka.bootstrap),
    );
  } catch (err) {
    await killGroup(pid);
    throw err;
  }
  logger?.info({ bootstrap: kafka.bootstrap, pid }, 'Kafka is up');
  return kafka;
}

/** KRaft refuses to start on unformatted storage; formatting again would discard the cluster id. */
async function formatStorageOnce(launch: KafkaLaunch, jvm: string[], propsFile: string): Promise<void> {
  if (existsSync(join(launch.home, 'data', 'meta.properties'))) return;
  const clusterId = randomBytes(16).toString('base64url');
  // In the --name=value form: a base64url id may start with '-', which the tool would read as an option.
  const result = await run(jdkTool('java'), [
    ...jvm,
    'kafka.tools.StorageTool',
    'format',
    `--cluster-id=${clusterId}`,
    `--config=${propsFile}`,
  ]);
  if (result.code !== 0)
    throw new Error(`formatting Kafka storage in ${launch.home} failed:\n${result.output.trim()}`);
}
