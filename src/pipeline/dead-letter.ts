import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DeadLetterEntry } from './types.js';

/**
 * Dead-letter files: one NDJSON file per plugin under the dead-letter directory, one line per entry, so a user
 * can read them with `jq`, fix the cause and feed the records back. Appends are synchronous because they are
 * rare and must survive a crash right after.
 */
export class DeadLetterWriter {
  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  fileFor(plugin: string): string {
    return join(this.directory, `${plugin.replace(/[^A-Za-z0-9_.-]/g, '_')}.ndjson`);
  }

  write(entries: readonly DeadLetterEntry[]): void {
    const byPlugin = new Map<string, string[]>();
    const time = new Date().toISOString();
    for (const entry of entries) {
      const lines = byPlugin.get(entry.plugin) ?? [];
      lines.push(JSON.stringify({ time, ...entry }));
      byPlugin.set(entry.plugin, lines);
    }
    for (const [plugin, lines] of byPlugin) {
      appendFileSync(this.fileFor(plugin), `${lines.join('\n')}\n`);
    }
  }
}
