import { readdirSync, readFileSync } from 'node:fs';
import type { TestClient } from '../../test/support/es-client.js';

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux for every architecture Node runs on). */
const TICKS = 100;

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) for (const child of text.split(' ')) out.push(Number(child));
    }
  } catch {
    // Gone, or no children file: nothing below it.
  }
  return out;
}

/** The node's JVM: the stack's process itself, or the java process below it when a launcher started that. */
export function jvmPid(pid: number): number {
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    if (/(^|\/)java\0/.test(commandOf(next))) return next;
    queue.push(...childrenOf(next));
  }
  throw new Error(`no java process at or below pid ${pid}`);
}

/** CPU-seconds (user + system, all threads) the process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Waits until no merge runs on `index` (a load's merges are part of what it costs). */
export async function mergesSettled(client: TestClient, index: string): Promise<void> {
  for (;;) {
    const { body } = await client.transport.request({ method: 'GET', path: `/${index}/_stats/merge` });
    const current = (body as { _all: { primaries: { merges: { current: number } } } })._all.primaries.merges
      .current;
    if (current === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface StoreFigures {
  docs: number;
  bytes: number;
  segments: number;
}

export async function storeFigures(client: TestClient, index: string): Promise<StoreFigures> {
  const { body } = await client.transport.request({
    method: 'GET',
    path: `/${index}/_stats/docs,store,segments`,
  });
  const p = (
    body as {
      _all: {
        primaries: { docs: { count: number }; store: { size_in_bytes: number }; segments: { count: number } };
      };
    }
  )._all.primaries;
  return { docs: p.docs.count, bytes: p.store.size_in_bytes, segments: p.segments.count };
}
