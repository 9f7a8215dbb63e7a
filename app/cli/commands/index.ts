import type { CliCommand } from '../command.js';
import { archiveCommand } from './archive.js';
import { backupCommand } from './backup.js';
import { collectCommand } from './collect.js';
import { communityIdCommand } from './community-id.js';
import { correlateCommand } from './correlate.js';
import { detectCommand } from './detect.js';
import { geoipCommand } from './geoip.js';
import { hostCommand } from './host.js';
import { indexCommand } from './indexer.js';
import { ingestCommand } from './ingest.js';
import { pcapCommand } from './pcap.js';
import { reportCommand } from './report.js';
import { searchCommand } from './search.js';
import { serveCommand } from './serve.js';
import { setupCommand } from './setup.js';
import { stackCommand } from './stack.js';
import { upCommand } from './up.js';
import { watchCommand } from './watch.js';

/** Every command of the CLI, in the order `flowtrail --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  upCommand,
  stackCommand,
  setupCommand,
  collectCommand,
  indexCommand,
  ingestCommand,
  backupCommand,
  archiveCommand,
  correlateCommand,
  pcapCommand,
  hostCommand,
  searchCommand,
  reportCommand,
  detectCommand,
  serveCommand,
  watchCommand,
  communityIdCommand,
  geoipCommand,
];
