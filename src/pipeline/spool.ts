import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/disk.js';
import type { PipelineRecord } from './types.js';

export interface SpooledFile {
  file: string;
  records: PipelineRecord[];
  /** Lines that are not a record (a file cut short by an older version or by hand): kept for the dead letters. */
  unreadable: string[];
}

/**
 * Records that could not be written before shutdown (the cluster was down for longer than the shutdown grace
 * period) are kept on disk and written first at the next start: an outage never loses data. A spool file is
 * written whole or not at all (see `writeFileAtomic`); `save` throws when it cannot write, so that the caller does
 * not count the records as kept.
 */
export class Spool {
  /** Several batches are spooled within one millisecond at shutdown: each gets a file of its own. */
  private saved = 0;

  constructor(readonly directory: string) {}

  save(records: readonly PipelineRecord[]): string | undefined {
    if (records.length === 0) return undefined;
    mkdirSync(this.directory, { recursive: true });
    const sequence = String(this.saved++).padStart(6, '0');
    const file = join(this.directory, `spool-${Date.now()}-${process.pid}-${sequence}.ndjson`);
    writeFileAtomic(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    return file;
  }

  /** Spooled files, oldest first, each with its records; temporary files a crash left are removed. */
  load(): SpooledFile[] {
    let names: string[];
    try {
      names = readdirSync(this.directory);
    } catch {
      return [];
    }
    for (const name of names) if (name.endsWith('.tmp')) rmSync(join(this.directory, name), { force: true });
    return names
      .filter((n) => n.startsWith('spool-') && n.endsWith('.ndjson'))
      .sort()
      .map((name) => {
        const file = join(this.directory, name);
        const spooled: SpooledFile = { file, records: [], unreadable: [] };
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          if (line.length === 0) continue;
          const record = recordOf(line);
          if (record === undefined) spooled.unreadable.push(line);
          else spooled.records.push(record);
        }
        return spooled;
      });
  }

  remove(file: string): void {
    rmSync(file, { force: true });
  }
}

function recordOf(line: string): PipelineRecord | undefined {
  try {
    const value = JSON.parse(line) as Partial<PipelineRecord> | null;
    return typeof value?.dataset === 'string' && typeof value.id === 'string' && typeof value.doc === 'object'
      ? (value as PipelineRecord)
      : undefined;
  } catch {
    return undefined;
  }
}
