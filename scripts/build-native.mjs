/**
 * Builds the native UDP receiver (binding.gyp) with the node-gyp that npm ships, when npm installs this package.
 * Node's own headers are used where the Node installation has them (distribution packages do), so no download
 * from nodejs.org is needed. Outside Linux, or without a C compiler, the build is skipped with a warning: the
 * NetFlow collector then reads its socket with Node's dgram, which loses datagrams at lower rates.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

if (process.platform !== 'linux') {
  console.warn(`flowtrail: no native UDP receiver on ${process.platform}; NetFlow is read with Node's dgram`);
  process.exit(0);
}
const bundled = join(
  dirname(process.execPath),
  '..',
  'lib',
  'node_modules',
  'npm',
  'node_modules',
  'node-gyp',
  'bin',
  'node-gyp.js',
);
const nodeGyp = process.env.npm_config_node_gyp ?? bundled;
const installation = resolve(dirname(process.execPath), '..');
const args = [nodeGyp, 'rebuild'];
if (existsSync(join(installation, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${installation}`);
const build = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (build.status !== 0) {
  console.warn("flowtrail: the native UDP receiver did not build; NetFlow is read with Node's dgram");
}
