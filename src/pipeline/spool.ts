import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PipelineRecord } from './types.js';

/**
 * Records that could not be written before shutdown (the cluster was down for longer than the shutdown grace
 * period) are kept on disk and written first at the next start: an outage never loses data.
 */
export class Spool {
  constructor(readonly directory: string) {}

  save(records: readonly PipelineRecord[]): string | undefined {
    if (records.length === 0) return undefined;
    mkdirSync(this.directory, { recursive: true });
    const file = join(this.directory, `spool-${Date.now()}-${process.pid}.ndjson`);
    writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    return file;
  }

  /** Spooled files, oldest first, each with its records. */
  load(): Array<{ file: string; records: PipelineRecord[] }> {
    let names: string[];
    try {
      names = readdirSync(this.directory).filter((n) => n.startsWith('spool-') && n.endsWith('.ndjson'));
    } catch {
      return [];
    }
    return names.sort().map((name) => {
      const file = join(this.directory, name);
      const records = readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as PipelineRecord);
      return { file, records };
    });
  }

  remove(file: string): void {
    rmSync(file, { force: true });
  }
}
