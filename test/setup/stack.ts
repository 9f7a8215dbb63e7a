import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { stackDown, stackUp } from '../../src/stack/index.js';

/** Ports of the shared test stack; well away from a developer's own 9200/9092 stack. */
export const TEST_ES_PORT = Number(process.env.FLOWTRAIL_TEST_ES_PORT ?? 19200);
export const TEST_KAFKA_PORT = Number(process.env.FLOWTRAIL_TEST_KAFKA_PORT ?? 19092);

/**
 * A fixed directory rather than a new mkdtemp per run: its stack/cache (resolved classpath, compiled
 * launcher) survives between runs and saves Maven and javac on every start, while the data itself is
 * wiped below so each run starts from an empty cluster.
 */
export function testStackDir(name: string): string {
  return join(tmpdir(), 'flowtrail-test', name);
}

/** Stops whatever an aborted earlier run left behind, then removes its data but keeps the cache. */
export async function freshStackDir(name: string): Promise<string> {
  const dataDir = testStackDir(name);
  await stackDown(dataDir);
  for (const part of ['es', 'kafka', 'logs'])
    await rm(join(dataDir, 'stack', part), { recursive: true, force: true });
  return dataDir;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.FLOWTRAIL_ES_URL;
  if (external) {
    project.provide('esUrl', external.replace(/\/+$/, ''));
    project.provide('stackDataDir', null);
    project.provide('kafkaBootstrap', process.env.FLOWTRAIL_KAFKA_BOOTSTRAP || null);
    return async () => {};
  }

  // Kafka starts in parallel with ES and costs a few seconds; FLOWTRAIL_TEST_KAFKA=0 skips it.
  const kafka = process.env.FLOWTRAIL_TEST_KAFKA !== '0';
  const dataDir = await freshStackDir('main');
  try {
    const state = await stackUp({
      dataDir,
      esHttpPort: TEST_ES_PORT,
      kafka,
      kafkaPort: TEST_KAFKA_PORT,
      esHeapMb: 512,
      kafkaHeapMb: 256,
    });
    project.provide('esUrl', state.elasticsearch.url);
    project.provide('stackDataDir', dataDir);
    project.provide('kafkaBootstrap', state.kafka?.bootstrap ?? null);
  } catch (err) {
    await stackDown(dataDir);
    throw err;
  }
  return async () => {
    await stackDown(dataDir);
  };
}
