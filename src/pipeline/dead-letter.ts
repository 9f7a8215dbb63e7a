import { appendFileSync, mkdirSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { FreeSpace } from '../util/disk.js';
import type { DeadLetterEntry } from './types.js';

export interface DeadLetterLimits {
  /** Bytes of dead-letter files in the directory beyond which further entries are dropped (and counted). */
  maxBytes: number;
  /** Free space on the directory's file system below which entries are dropped rather than written. */
  minFreeBytes: number;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Why entries were not kept: as `reason` of `flowtrail_records_dropped_total`. */
export type DeadLetterDrop = 'dead_letter_full' | 'disk_low' | 'write_failed';

/**
 * Dead-letter files: one NDJSON file per plugin under the dead-letter directory, one line per entry, so a user
 * can read them with `jq`, fix the cause and feed the records back. Appends are synchronous because they are
 * rare and must survive a crash right after. The directory is bounded: once its files reach `maxBytes`, or the
 * disk runs low, entries are dropped and reported to the caller, which counts them; the first ones, usually the
 * most telling, are kept.
 */
export class DeadLetterWriter {
  private bytes = 0;
  private readonly space: FreeSpace;

  constructor(
    readonly directory: string,
    private readonly limits: DeadLetterLimits = { maxBytes: Number.POSITIVE_INFINITY, minFreeBytes: 0 },
  ) {
    mkdirSync(directory, { recursive: true });
    for (const name of readdirSync(directory)) {
      if (name.endsWith('.ndjson')) this.bytes += statSync(join(directory, name)).size;
    }
    this.space = new FreeSpace(directory, limits.minFreeBytes);
  }

  fileFor(plugin: string): string {
    return join(this.directory, `${plugin.replace(/[^A-Za-z0-9_.-]/g, '_')}.ndjson`);
  }

  /** Writes what it can; returns the entries it did not keep, by plugin, with why. */
  write(entries: readonly DeadLetterEntry[]): Array<{ plugin: string; count: number; why: DeadLetterDrop }> {
    const byPlugin = new Map<string, string[]>();
    const time = new Date().toISOString();
    for (const entry of entries) {
      const lines = byPlugin.get(entry.plugin) ?? [];
      lines.push(JSON.stringify({ time, ...entry }));
      byPlugin.set(entry.plugin, lines);
    }
    const dropped: Array<{ plugin: string; count: number; why: DeadLetterDrop }> = [];
    for (const [plugin, lines] of byPlugin) {
      const text = `${lines.join('\n')}\n`;
      const size = Buffer.byteLength(text);
      if (this.bytes + size > this.limits.maxBytes) {
        dropped.push({ plugin, count: lines.length, why: 'dead_letter_full' });
        continue;
      }
      if (!this.space.enough()) {
        dropped.push({ plugin, count: lines.length, why: 'disk_low' });
        continue;
      }
      const file = this.fileFor(plugin);
      const before = sizeOf(file);
      try {
        appendFileSync(file, text);
        this.bytes += size;
      } catch {
        // A write cut short (disk full) would leave half a line that the next entry continues: cut it off.
        try {
          truncateSync(file, before);
        } catch {
          // Nothing was written, or the file cannot be touched at all; either way nothing more can be done.
        }
        dropped.push({ plugin, count: lines.length, why: 'write_failed' });
      }
    }
    return dropped;
  }
}
