import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type StackEngine, stackDown, stackUp } from '../../src/stack/index.js';
import { isFree } from '../../src/stack/ports.js';
import { isAlive } from '../../src/stack/process.js';

/** Ports of the shared test stack; well away from a developer's own 9200/9092 stack. */
export const TEST_ES_PORT = Number(process.env.FLOWTRAIL_TEST_ES_PORT ?? 19200);
export const TEST_KAFKA_PORT = Number(process.env.FLOWTRAIL_TEST_KAFKA_PORT ?? 19092);
/** What the test node runs: `npm test` runs the store's tests once per engine (see package.json). */
export const TEST_ENGINE: StackEngine =
  process.env.FLOWTRAIL_TEST_ENGINE === 'opensearch' ? 'opensearch' : 'elasticsearch';

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
  for (const part of ['es', 'opensearch', 'kafka', 'logs'])
    await rm(join(dataDir, 'stack', part), { recursive: true, force: true });
  return dataDir;
}

/**
 * Test runs on one machine at the same time (two terminals, two worktrees) each get their own stack: slot 0 is
 * `main` on the default ports, the next free slot moves every port by 10. A slot is held by a lock file naming
 * the pid of the run; a lock whose process is gone is taken over.
 */
async function claimSlot(): Promise<{ name: string; esPort: number; kafkaPort: number; release(): void }> {
  await mkdir(join(tmpdir(), 'flowtrail-test'), { recursive: true });
  for (let i = 0; i < 10; i++) {
    const name = i === 0 ? 'main' : `main-${i}`;
    const lock = `${testStackDir(name)}.lock`;
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch {
      const holder = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder, 'node')) continue;
      writeFileSync(lock, String(process.pid));
    }
    const esPort = TEST_ES_PORT + i * 10;
    const kafkaPort = TEST_KAFKA_PORT + i * 10;
    if (i > 0 && !((await isFree(esPort)) && (await isFree(kafkaPort)))) {
      rmSync(lock, { force: true });
      continue;
    }
    return { name, esPort, kafkaPort, release: () => rmSync(lock, { force: true }) };
  }
  throw new Error('ten test runs already hold a test stack on this machine');
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
  const slot = await claimSlot();
  const dataDir = await freshStackDir(slot.name);
  try {
    const state = await stackUp({
      dataDir,
      engine: TEST_ENGINE,
      esHttpPort: slot.esPort,
      kafka,
      kafkaPort: slot.kafkaPort,
      // Every integration file shares this node and leaves its indices behind: at 512 MB its parent circuit
      // breaker tripped (429) late in a full run once the suite passed 115 files.
      esHeapMb: 1024,
      kafkaHeapMb: 256,
    });
    project.provide('esUrl', state.elasticsearch.url);
    project.provide('stackDataDir', dataDir);
    project.provide('kafkaBootstrap', state.kafka?.bootstrap ?? null);
  } catch (err) {
    await stackDown(dataDir);
    slot.release();
    throw err;
  }
  return async () => {
    await stackDown(dataDir);
    slot.release();
  };
}
