import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared fixtures live beside the checkout (`../shared/fixtures`); FLOWTRAIL_FIXTURES overrides. */
export const FIXTURES = process.env.FLOWTRAIL_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures');

if (!existsSync(FIXTURES)) {
  throw new Error(`shared fixtures not found at ${FIXTURES} (set FLOWTRAIL_FIXTURES)`);
}
