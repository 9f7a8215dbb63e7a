import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, logTail } from './process.js';

export interface WaitTarget {
  what: string;
  pid: number;
  marker: string;
  logFile: string;
  timeoutMs: number;
}

/**
 * Polls `ready` until it returns true. Throws with the log tail as soon as the process dies (no point
 * waiting out the timeout for a JVM that already failed) or when the timeout passes.
 */
export async function waitUntilReady(target: WaitTarget, ready: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (!isAlive(target.pid, target.marker)) {
      throw new Error(
        `${target.what} (pid ${target.pid}) exited during startup; log tail of ${target.logFile}:\n${logTail(target.logFile)}`,
      );
    }
    if (await ready().catch(() => false)) return;
    if (Date.now() - started > target.timeoutMs) {
      throw new Error(
        `${target.what} (pid ${target.pid}) not ready after ${Math.round(target.timeoutMs / 1000)} s; log tail of ${target.logFile}:\n${logTail(target.logFile)}`,
      );
    }
    await sleep(500);
  }
}
