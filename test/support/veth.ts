import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { deleteNamespace, ip, removeLeftovers } from './netns.js';

const run = promisify(execFile);

/** Every namespace and host interface made here starts with this; the creator's pid follows (base 36). */
const PREFIX = 'fttp';

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
  await removeLeftovers(PREFIX);
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
