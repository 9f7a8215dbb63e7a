/**
 * Builds the native addons (binding.gyp) with the node-gyp that npm ships, when npm installs this package: the UDP
 * receiver the NetFlow collector reads its socket with, the Zeek conn.log mapper, the packet tap's flow meter and its live capture ring. Node's own headers (OpenSSL's
 * included) are used where the Node installation has them (distribution packages do), so no download from
 * nodejs.org is needed. Outside Linux, or without a C compiler, the build is skipped with a warning: the NetFlow
 * collector then reads its socket with Node's dgram, which loses datagrams at lower rates, and conn.log lines are
 * mapped in TypeScript, about four times slower.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const ADDONS = {
  udp_receiver: "NetFlow is read with Node's dgram",
  zeek_conn: 'Zeek conn.log lines are mapped in TypeScript',
  pcap_meter: 'pcap files cannot be metered into flows (flowtrail ingest pcap)',
  pcap_tap: 'interfaces cannot be captured live (inputs.pcap)',
};

if (process.platform !== 'linux') {
  console.warn(`flowtrail: no native addons on ${process.platform}; ${Object.values(ADDONS).join(', ')}`);
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
spawnSync(process.execPath, args, { stdio: 'inherit' });
for (const [name, fallback] of Object.entries(ADDONS)) {
  if (!existsSync(join('build', 'Release', `${name}.node`))) {
    console.warn(`flowtrail: the native ${name} addon did not build; ${fallback}`);
  }
}
