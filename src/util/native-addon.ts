/**
 * The native addons (native/*.c, built by `npm ci` through scripts/build-native.mjs). Linux only; elsewhere, or
 * when one was not built, its caller does the work in TypeScript instead.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Where node-gyp puts an addon, from this module in the source tree and from its compiled copy in dist/. */
const BUILD_DIRECTORIES = ['../../build/Release/', '../../../build/Release/'];

/** The addon `build/Release/<name>.node`'s exports, or why it cannot be used here. */
export function loadNativeAddon<T>(name: string): T | { unavailable: string } {
  if (process.platform !== 'linux') return { unavailable: `not built for ${process.platform}` };
  const path = BUILD_DIRECTORIES.map((dir) =>
    fileURLToPath(new URL(`${dir}${name}.node`, import.meta.url)),
  ).find((p) => existsSync(p));
  if (!path) return { unavailable: `build/Release/${name}.node is missing (npm ci builds it)` };
  try {
    return createRequire(import.meta.url)(path) as T;
  } catch (err) {
    return { unavailable: `${path}: ${(err as Error).message}` };
  }
}
