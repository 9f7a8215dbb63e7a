import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { inject } from 'vitest';
import { clientFor, type TestClient } from './es-client.js';

export { clientFor, type TestClient } from './es-client.js';

import { validateConfig } from '../../src/config/load.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';

export function testClient(): TestClient {
  return clientFor(inject('esUrl'));
}

/** A config for one test: its own namespace (so its data streams are its own) and its own data dir. */
export function testConfig(extra: Record<string, unknown> = {}): FlowtrailConfig {
  const namespace = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'flowtrail-test-'));
  const { elasticsearch, ...rest } = extra as { elasticsearch?: Record<string, unknown> };
  return validateConfig({
    elasticsearch: { url: inject('esUrl'), namespace, ...elasticsearch },
    stack: { data_dir: dataDir },
    metrics: { enabled: false },
    ...rest,
  });
}

export const quietLogger = pino({ level: process.env.FLOWTRAIL_TEST_LOG ?? 'silent' });

export async function countDocs(client: TestClient, index: string): Promise<number> {
  await client.indices.refresh({ index });
  const { body } = await client.count({ index });
  return (body as { count: number }).count;
}
