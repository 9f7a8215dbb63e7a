/**
 * The peer collectors the NetFlow bench measures beside flowtrail, built from their sources as ordinary Go modules
 * into a cache under the temporary directory (the first build takes minutes; later runs reuse it):
 *  - GoFlow2 (github.com/netsampler/goflow2/v2), whose cmd/goflow2 builds with `go build` from a module that
 *    requires it;
 *  - Filebeat's NetFlow input (github.com/elastic/beats/v7, x-pack/filebeat), built inside a copy of the downloaded
 *    module because `go install` refuses the replace directives of its go.mod.
 * nfcapd comes from Debian's nfdump package.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GOFLOW2_VERSION = 'v2.2.6';
export const BEATS_VERSION = 'v7.17.29';

const CACHE = join(tmpdir(), 'flowtrail-bench', 'peers');

export type Built = { binary: string } | { unavailable: string };

function go(args: string[], cwd: string): { ok: boolean; output: string } {
  const result = spawnSync('go', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
}

function hasGo(): boolean {
  return spawnSync('go', ['version']).status === 0;
}

export function buildGoflow2(log: (line: string) => void): Built {
  const dir = join(CACHE, `goflow2-${GOFLOW2_VERSION}`);
  const binary = join(dir, 'goflow2');
  if (existsSync(binary)) return { binary };
  if (!hasGo()) return { unavailable: 'no Go toolchain (go) on PATH' };
  log(`building GoFlow2 ${GOFLOW2_VERSION} from its Go module (once; a few minutes)`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module flowtrail.bench/goflow2\n\ngo 1.22\n');
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

export function buildFilebeat(log: (line: string) => void): Built {
  const dir = join(CACHE, `beats-${BEATS_VERSION}`);
  const binary = join(dir, 'filebeat');
  if (existsSync(binary)) return { binary };
  if (!hasGo()) return { unavailable: 'no Go toolchain (go) on PATH' };
  log(`building Filebeat ${BEATS_VERSION} (x-pack, NetFlow input) from its Go module (once; many minutes)`);
  mkdirSync(CACHE, { recursive: true });
  const downloaded = go(['mod', 'download', '-json', `github.com/elastic/beats/v7@${BEATS_VERSION}`], CACHE);
  if (!downloaded.ok)
    return { unavailable: `go mod download of beats failed: ${downloaded.output.slice(-300)}` };
  const source = (JSON.parse(downloaded.output) as { Dir: string }).Dir;
  const tree = join(dir, 'src');
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(source, tree, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', tree]);
  const built = go(['build', '-o', binary, '.'], join(tree, 'x-pack', 'filebeat'));
  if (!built.ok)
    return { unavailable: `building Filebeat failed: ${built.output.split('\n').slice(-3).join(' ')}` };
  rmSync(tree, { recursive: true, force: true });
  return { binary };
}
