import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { isAlive } from '../../src/stack/process.js';

const run = promisify(execFile);

/** Every namespace and host interface made here starts with this; the creator's pid follows (base 36). */
const PREFIX = 'fttp';

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

function ownerOf(name: string): number {
  const match = name.match(/^fttp-?([0-9a-z]+)_/);
  return match ? Number.parseInt(match[1], 36) : Number.NaN;
}

async function deleteNamespace(namespace: string): Promise<void> {
  const pids = (await ip('netns', 'pids', namespace).catch(() => '')).split('\n').filter(Boolean).map(Number);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await ip('netns', 'del', namespace).catch(() => undefined);
}

/** Removes the namespaces and interfaces of earlier runs whose process is gone (a concurrent run's stay). */
async function removeLeftovers(): Promise<void> {
  for (const line of (await ip('netns', 'list')).split('\n')) {
    const name = line.split(' ')[0];
    if (name.startsWith(`${PREFIX}-`) && !isAlive(ownerOf(name), 'node')) await deleteNamespace(name);
  }
  for (const line of (await ip('-o', 'link', 'show')).split('\n')) {
    const name = line.split(':')[1]?.trim().split('@')[0];
    if (name?.startsWith(PREFIX) && !isAlive(ownerOf(name), 'node'))
      await ip('link', 'del', name).catch(() => undefined);
  }
}

/**
 * A veth pair from this (the host's) namespace to a network namespace of its own: a live capture on the host end
 * (`hostInterface`, `hostIp`) sees everything a program in the namespace (`peerIp`, on its `eth0`) exchanges with
 * the host. IPv6 is off on both ends, so the only traffic is what a test makes (and ARP).
 */
export interface VethLink {
  namespace: string;
  hostInterface: string;
  hostIp: string;
  peerIp: string;
  /** Starts a long-running command inside the namespace; stopped by `cleanup` at the latest. */
  spawn(command: string, args: string[]): ChildProcess;
  /** Runs a command inside the namespace to its end; rejects on a non-zero exit or after `timeoutMs`. */
  exec(command: string, args: string[], timeoutMs?: number): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createVethLink(): Promise<VethLink> {
  await removeLeftovers();
  const id = `${process.pid.toString(36)}_${Math.floor(Math.random() * 1296).toString(36)}`;
  const namespace = `${PREFIX}-${id}`;
  const hostInterface = `${PREFIX}${id}`.slice(0, 15);
  const k = Math.floor(Math.random() * 250) + 1;
  const children: ChildProcess[] = [];
  const link: VethLink = {
    namespace,
    hostInterface,
    hostIp: `10.233.${k}.1`,
    peerIp: `10.233.${k}.2`,
    spawn(command, args) {
      const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      return child;
    },
    async exec(command, args, timeoutMs = 60_000) {
      const { stdout } = await run('ip', ['netns', 'exec', namespace, command, ...args], {
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    },
    async cleanup() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await deleteNamespace(namespace);
      await ip('link', 'del', hostInterface).catch(() => undefined);
    },
  };
  try {
    await ip('netns', 'add', namespace);
    await ip('link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace);
    await run('sysctl', ['-qw', `net.ipv6.conf.${hostInterface}.disable_ipv6=1`]);
    await link.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    await ip('addr', 'add', `${link.hostIp}/30`, 'dev', hostInterface);
    await ip('-n', namespace, 'addr', 'add', `${link.peerIp}/30`, 'dev', 'eth0');
    await ip('link', 'set', hostInterface, 'up');
    await ip('-n', namespace, 'link', 'set', 'eth0', 'up');
    await ip('-n', namespace, 'link', 'set', 'lo', 'up');
  } catch (err) {
    await link.cleanup();
    throw err;
  }
  return link;
}
