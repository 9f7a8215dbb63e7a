/**
 * Peer programs built from their sources as ordinary Go modules, into a cache under the temporary directory that
 * the tests and the benchmarks share (the first build takes minutes; later runs reuse it). GoFlow2
 * (github.com/netsampler/goflow2/v2) builds its cmd/goflow2 with `go build` from a module that requires it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GOFLOW2_VERSION = 'v2.2.6';

/** Where built peers are kept. */
export const PEER_CACHE = join(tmpdir(), 'flowtrail-bench', 'peers');

export type Built = { binary: string } | { unavailable: string };

export function go(args: string[], cwd: string): { ok: boolean; output: string } {
  const result = spawnSync('go', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

export function hasGo(): boolean {
  return spawnSync('go', ['version']).status === 0;
}

/** The goflow2 binary of GOFLOW2_VERSION, built once, or why it could not be. */
export function buildGoflow2(log: (line: string) => void): Built {
  const dir = join(PEER_CACHE, `goflow2-${GOFLOW2_VERSION}`);
  const binary = join(dir, 'goflow2');
  if (existsSync(binary)) return { binary };
  if (!hasGo()) return { unavailable: 'no Go toolchain (go) on PATH' };
  log(`building GoFlow2 ${GOFLOW2_VERSION} from its Go module (once; a few minutes)`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module flowtrail.peers/goflow2\n\ngo 1.22\n');
  const steps = [
    ['get', `github.com/netsampler/goflow2/v2/cmd/goflow2@${GOFLOW2_VERSION}`],
    ['build', '-o', binary, 'github.com/netsampler/goflow2/v2/cmd/goflow2'],
  ];
  for (const step of steps) {
    const result = go(step, dir);
    if (!result.ok)
      return { unavailable: `go ${step.join(' ')} failed: ${result.output.split('\n').slice(-3).join(' ')}` };
  }
  return { binary };
}
