import { closeSync, fsyncSync, openSync, renameSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Free space is asked of the file system at most this often per directory: writers may ask per record. */
const FREE_SPACE_TTL_MS = 1000;

/**
 * Whether a directory's file system still has `minFree` bytes available to this process, asked of the file
 * system at most once a second. Writers that find it below stop writing, count what they drop and go on: a full
 * disk must slow flowtrail down, never crash it.
 */
export class FreeSpace {
  private checkedAt = Number.NEGATIVE_INFINITY;
  private available = Number.POSITIVE_INFINITY;

  constructor(
    private readonly directory: string,
    readonly minFree: number,
  ) {}

  enough(now = Date.now()): boolean {
    if (this.minFree <= 0) return true;
    if (now - this.checkedAt >= FREE_SPACE_TTL_MS) {
      this.checkedAt = now;
      try {
        const stats = statfsSync(this.directory);
        this.available = stats.bavail * stats.bsize;
      } catch {
        // The directory is gone or unreadable: writing there fails too, and is counted where it does.
        this.available = Number.POSITIVE_INFINITY;
      }
    }
    return this.available >= this.minFree;
  }
}

/**
 * Replaces `file` with `text` so that a crash or a full disk leaves the old content or the new one, never a
 * mixture: the text goes to a temporary file that is flushed to disk, then renamed over `file`, and the
 * directory is flushed so the rename survives a power cut. Throws (leaving `file` as it was) when it cannot.
 */
export function writeFileAtomic(file: string, text: string): void {
  const temporary = `${file}.tmp`;
  try {
    const fd = openSync(temporary, 'w');
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
