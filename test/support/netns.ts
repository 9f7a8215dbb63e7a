import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { isAlive } from '../../src/stack/process.js';

const run = promisify(execFile);

/** Every namespace and host link made here starts with this; the creator's pid follows (base 36). */
const PREFIX = 'ftnf';

export async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

/** The pid encoded in a name `prefix` starts (then base 36 and `-` or `_`), NaN for names that are not ours. */
function ownerOf(prefix: string, name: string): number {
  const match = name.match(new RegExp(`^${prefix}-?([0-9a-z]+)[-_]`));
  return match ? Number.parseInt(match[1], 36) : Number.NaN;
}

async function killInside(namespace: string): Promise<void> {
  const pids = (await ip('netns', 'pids', namespace).catch(() => '')).split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export async function deleteNamespace(namespace: string): Promise<void> {
  await killInside(namespace);
  await ip('netns', 'del', namespace).catch(() => undefined);
}

/**
 * Removes what aborted earlier runs left: namespaces and host links named with `prefix` whose creating process no
 * longer exists (a concurrent run's are left alone).
 */
export async function removeLeftovers(prefix: string): Promise<void> {
  for (const line of (await ip('netns', 'list')).split('\n')) {
    const name = line.split(' ')[0];
    if (name.startsWith(`${prefix}-`) && !isAlive(ownerOf(prefix, name), 'node')) await deleteNamespace(name);
  }
  for (const line of (await ip('-o', 'link', 'show')).split('\n')) {
    const name = line.split(':')[1]?.trim().split('@')[0];
    if (name?.startsWith(prefix) && !isAlive(ownerOf(prefix, name), 'node'))
      await ip('link', 'del', name).catch(() => undefined);
  }
}

export function removeNetnsLeftovers(): Promise<void> {
  return removeLeftovers(PREFIX);
}

export interface NetnsLab {
  /** Runs the servers and the probes; its `probeInterface` faces the client. */
  server: string;
  client: string;
  serverIp: string;
  clientIp: string;
  probeInterface: string;
  /** Host side of the link from the server namespace to the host, where the in-process collector listens. */
  collectorIp: string;
  /** Starts a long-running command inside a namespace; stopped by `cleanup` at the latest. */
  spawn(namespace: string, command: string, args: string[]): ChildProcess;
  /** Runs a command inside a namespace to its end; rejects on a non-zero exit or after `timeoutMs`. */
  exec(namespace: string, command: string, args: string[], timeoutMs?: number): Promise<string>;
  cleanup(): Promise<void>;
}

/**
 * Two namespaces joined by a veth pair (client 10.231.k.2 ↔ server 10.231.k.1) and a third link from the server
 * namespace to the host (10.231.128+k.0/30) so probes there can export to a collector in this process. IPv6 is
 * off inside, so the only traffic is what a test makes. Nothing is routed beyond these links.
 */
export async function createNetnsLab(): Promise<NetnsLab> {
  await removeNetnsLeftovers();
  const id = `${process.pid.toString(36)}_${Math.floor(Math.random() * 1296).toString(36)}`;
  const server = `${PREFIX}-${id}-srv`;
  const client = `${PREFIX}-${id}-cli`;
  const hostLink = `${PREFIX}${id}`.slice(0, 15);
  const k = Math.floor(Math.random() * 127) + 1;
  const children: ChildProcess[] = [];
  const lab: NetnsLab = {
    server,
    client,
    serverIp: `10.231.${k}.1`,
    clientIp: `10.231.${k}.2`,
    probeInterface: 'probe0',
    collectorIp: `10.231.${128 + k}.1`,
    spawn(namespace, command, args) {
      const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      return child;
    },
    async exec(namespace, command, args, timeoutMs = 60_000) {
      const { stdout } = await run('ip', ['netns', 'exec', namespace, command, ...args], {
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    },
    async cleanup() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await deleteNamespace(client);
      await deleteNamespace(server);
      await ip('link', 'del', hostLink).catch(() => undefined);
    },
  };
  try {
    await ip('netns', 'add', server);
    await ip('netns', 'add', client);
    await ip(
      'link',
      'add',
      'probe0',
      'netns',
      server,
      'type',
      'veth',
      'peer',
      'name',
      'eth0',
      'netns',
      client,
    );
    await ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'export0', 'netns', server);
    await ip('addr', 'add', `${lab.collectorIp}/30`, 'dev', hostLink);
    await ip('link', 'set', hostLink, 'up');
    for (const [namespace, device, address] of [
      [server, 'probe0', `${lab.serverIp}/24`],
      [client, 'eth0', `${lab.clientIp}/24`],
      [server, 'export0', `10.231.${128 + k}.2/30`],
    ]) {
      await lab.exec(namespace, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      await ip('-n', namespace, 'addr', 'add', address, 'dev', device);
      await ip('-n', namespace, 'link', 'set', device, 'up');
      await ip('-n', namespace, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    await lab.cleanup();
    throw err;
  }
  return lab;
}
