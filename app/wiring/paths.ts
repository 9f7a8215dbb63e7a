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

/** The packet tap's ring of pcap files (packet_store). */
export function packetStoreDirOf(config: FlowtrailConfig): string {
  return config.packet_store.path ?? join(dataDirOf(config), 'packets');
}
