import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWorker, workerDataFor } from './worker.js';

/** A worker module, in TypeScript as this repository's are, that reports what `workerDataFor` gave it. */
function reportingModule(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-worker-'));
  // An ES module, as this repository's package.json makes every module here.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const file = join(dir, 'reporting-worker.ts');
  writeFileSync(
    file,
    [
      "import { parentPort } from 'node:worker_threads';",
      `import { workerDataFor } from ${JSON.stringify(new URL('./worker.ts', import.meta.url).href)};`,
      'const own: unknown = workerDataFor(import.meta.url);',
      "const other: unknown = workerDataFor('file:///elsewhere/worker.js');",
      'parentPort?.postMessage({ own, other });',
    ].join('\n'),
  );
  return pathToFileURL(file).href;
}

describe('worker threads started from their module', () => {
  it('hands the data to the module it was started for, and to no other module it imports', async () => {
    const entry = reportingModule();
    const worker = startWorker(entry, { answer: 42 });
    const message = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(message).toEqual({ own: { answer: 42 }, other: undefined });
  });

  it('gives a module imported on the main thread nothing to run with', () => {
    expect(workerDataFor(import.meta.url)).toBeUndefined();
  });
});
