import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The shared fixtures (real captures, logs and goldens the repository does not carry) live beside the checkout, at
 * `../shared/fixtures`; FLOWTRAIL_FIXTURES overrides. Tests that read them say so with `fixturesMissing()`.
 */
export const FIXTURES = process.env.FLOWTRAIL_FIXTURES ?? join(repoRoot, '..', 'shared', 'fixtures');
