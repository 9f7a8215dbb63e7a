/**
 * The peer collectors the NetFlow bench measures beside flowtrail, built from their sources as ordinary Go modules
 * into a cache under the temporary directory (the first build takes minutes; later runs reuse it):
 *  - GoFlow2 (github.com/netsampler/goflow2/v2): test/support/go-modules.ts, shared with the GoFlow2 conformance
 *    test;
 *  - Filebeat's NetFlow input (github.com/elastic/beats/v7, x-pack/filebeat), built inside a copy of the downloaded
 *    module because `go install` refuses the replace directives of its go.mod.
 * nfcapd comes from Debian's nfdump package.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Built, go, hasGo, PEER_CACHE } from '../../test/support/go-modules.js';

export const BEATS_VERSION = 'v7.17.29';

export function buildFilebeat(log: (line: string) => void): Built {
  const dir = join(PEER_CACHE, `beats-${BEATS_VERSION}`);
  const binary = join(dir, 'filebeat');
  if (existsSync(binary)) return { binary };
  if (!hasGo()) return { unavailable: 'no Go toolchain (go) on PATH' };
  log(`building Filebeat ${BEATS_VERSION} (x-pack, NetFlow input) from its Go module (once; many minutes)`);
  mkdirSync(PEER_CACHE, { recursive: true });
  const downloaded = go(
    ['mod', 'download', '-json', `github.com/elastic/beats/v7@${BEATS_VERSION}`],
    PEER_CACHE,
  );
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
