import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, logTail } from './process.js';

export interface WaitTarget {
  what: string;
  pid: number;
  marker: string;
  logFile: string;
  timeoutMs: number;
  /** Further processes of the same start (the other nodes of a cluster): the first of them to die fails it too. */
  others?: ReadonlyArray<Omit<WaitTarget, 'others' | 'timeoutMs'>>;
}

/**
 * Polls `ready` until it returns true. Throws with the log tail as soon as the process dies (no point
 * waiting out the timeout for a JVM that already failed) or when the timeout passes.
 */
export async function waitUntilReady(target: WaitTarget, ready: () => Promise<boolean>): Promise<void> {
  const started = Date.now();
  for (;;) {
    for (const process of [target, ...(target.others ?? [])]) {
      if (!isAlive(process.pid, process.marker)) {
        throw new Error(
          `${process.what} (pid ${process.pid}) exited during startup; log tail of ${process.logFile}:\n${logTail(process.logFile)}`,
        );
      }
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
