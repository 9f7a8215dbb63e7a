import { join } from 'node:path';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { defaultDataDir } from '../../src/stack/index.js';

/** flowtrail's own files (stack, dead letters, spool, template caches) live under one data directory. */
export function dataDirOf(config: FlowtrailConfig): string {
  return config.stack.data_dir ?? defaultDataDir();
}

export function deadLetterDirOf(config: FlowtrailConfig): string {
  return config.dead_letter.dir ?? join(dataDirOf(config), 'dead-letter');
}

export function spoolDirOf(config: FlowtrailConfig): string {
  return join(dataDirOf(config), 'spool');
}
