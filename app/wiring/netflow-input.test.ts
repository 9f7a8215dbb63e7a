import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { createNetflowInput } from './netflow-input.js';

function snapshotOfSize(exporters: number) {
  const updatedAt = Date.now();
  return {
    version: 1,
    exporters: Array.from({ length: exporters }, (_, i) => ({
      address: '192.0.2.1',
      port: 1000 + i,
      proven: true,
      domains: [
        {
          version: 10,
          id: 1,
          systemInitMs: -1,
          defaultRate: 0,
          samplerRates: [],
          templates: [{ id: 256, scopeCount: 0, isOptions: false, fields: [[0, 8, 4]], updatedAt }],
        },
      ],
    })),
  };
}

function setUp(maxSnapshotBytes: number, saved: object) {
  const dataDir = mkdtempSync(join(tmpdir(), 'flowtrail-nf-input-'));
  const file = join(dataDir, 'netflow', 'templates.json');
  mkdirSync(join(dataDir, 'netflow'));
  writeFileSync(file, JSON.stringify(saved));
  const config = validateConfig({
    stack: { data_dir: dataDir },
    inputs: { netflow: { limits: { max_snapshot_bytes: maxSnapshotBytes } } },
  });
  const warnings: string[] = [];
  const logger = { warn: (_: object, message: string) => warnings.push(message) } as unknown as Logger;
  const input = createNetflowInput(config, new LocalNetworks([]), logger);
  return { input, file, warnings };
}

describe('the NetFlow template cache file', () => {
  it('is read back and written again whole within its bound, through a temporary file', async () => {
    const saved = snapshotOfSize(10);
    const { input, file, warnings } = setUp(1024 * 1024, saved);
    await input.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(saved);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('is ignored, with a warning naming the bound, when larger than it', async () => {
    const saved = snapshotOfSize(1000);
    const { input, file, warnings } = setUp(10_000, saved);
    expect(warnings).toEqual([
      'ignoring a NetFlow template cache larger than inputs.netflow.limits.max_snapshot_bytes',
    ]);
    await input.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, exporters: [] });
  });
});
