import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  dir: string;
  unmount(): void;
}

/**
 * A file system of `bytes` bytes of its own (tmpfs), so that a test can fill it: a disk that is really full, not a
 * write made to fail. Mounting needs root (CI runs as root); elsewhere it says why it cannot.
 */
export function smallDisk(bytes: number): SmallDisk | { unavailable: string } {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { unavailable: `cannot mount a tmpfs (needs root): ${(err as Error).message.split('\n')[0]}` };
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
