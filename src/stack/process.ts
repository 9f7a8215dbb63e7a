import { spawn } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every start writes this line first, so an error shows only the log of the attempt that failed. */
const START_MARK = '----- flowtrail stack: starting';

/**
 * Starts a JVM that outlives this process: its own process group (so stopping it reaches every thread
 * and child), output appended to `logFile`, and unref'd so `flowtrail stack up` can exit.
 */
export function spawnDetached(cmd: string, args: string[], logFile: string, what: string): number {
  const fd = openSync(logFile, 'a');
  try {
    writeSync(fd, `${START_MARK} ${what} at ${new Date().toISOString()}\n`);
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`cannot start ${cmd} for ${what}`);
    child.on('error', () => {
      // A failed exec surfaces as a dead pid during the health wait, with the log tail attached.
    });
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * True when `pid` runs and its command line contains `marker`. The marker guards against a pid from an old
 * state file that the OS has since handed to an unrelated process; zombies count as dead.
 */
export function isAlive(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    // No procfs (macOS): signal 0 succeeding is the best evidence available.
    return true;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals the whole process group led by `pgid`; a group that is already gone is not an error. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * Stops a process group: SIGTERM (the JVMs' shutdown hooks close nodes and flush), SIGKILL after
 * `graceMs`. Returns once no process of the group is left.
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  if (await waitGroupGone(pgid, graceMs)) return;
  signalGroup(pgid, 'SIGKILL');
  if (!(await waitGroupGone(pgid, 10_000))) throw new Error(`process group ${pgid} survived SIGKILL`);
}

/** Like a crash: no shutdown hooks, nothing flushed beyond what the translog already has. */
export async function killGroup(pgid: number): Promise<void> {
  signalGroup(pgid, 'SIGKILL');
  if (!(await waitGroupGone(pgid, 10_000))) throw new Error(`process group ${pgid} survived SIGKILL`);
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/** The last `lines` lines written since the most recent start (within the last 64 KiB), for error messages. */
export function logTail(logFile: string, lines = 40): string {
  let text: string;
  try {
    const fd = openSync(logFile, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, size - length);
      text = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(no log written)';
  }
  const start = text.lastIndexOf(START_MARK);
  return (start >= 0 ? text.slice(start) : text).trimEnd().split('\n').slice(-lines).join('\n');
}
