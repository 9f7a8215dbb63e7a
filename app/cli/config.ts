import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { validateConfig } from '../../src/config/load.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { parseHostPort } from '../../src/config/units.js';
import { ConfigError } from '../../src/errors.js';

export interface ConfigFlags {
  config?: string;
  es?: string;
  netflow?: string;
  local?: string;
  dataDir?: string;
  /** `setup --kibana [url]`: a URL overrides kibana.url; the bare flag only asks for the import. */
  kibana?: string | boolean;
}

/** The options of every command that reads the configuration; {@link resolveConfig} applies them. */
export function withConfig(command: Command): Command {
  return command
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--es <url>', 'Elasticsearch URL (overrides elasticsearch.url)')
    .option('--data-dir <dir>', "flowtrail's data directory (stack, dead letters, spool)");
}

function readYaml(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path}`);
  const document = parseDocument(readFileSync(path, 'utf8'));
  if (document.errors.length > 0) throw new ConfigError(`${path}: YAML error: ${document.errors[0].message}`);
  const value = document.toJS() ?? {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new ConfigError(`${path}: expected a mapping at the top level`);
  return value as Record<string, unknown>;
}

function section(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = parent[key];
  if (value === undefined || value === null) {
    const created: Record<string, unknown> = {};
    parent[key] = created;
    return created;
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${key}: expected a mapping`);
  return value as Record<string, unknown>;
}

/**
 * The config file (if any) with the command-line flags applied on top, validated as one document so that an error
 * names the key whichever way the value came in.
 */
export function resolveConfig(flags: ConfigFlags): FlowtrailConfig {
  const raw = flags.config ? readYaml(flags.config) : {};
  if (flags.es) section(raw, 'elasticsearch').url = flags.es;
  if (flags.netflow) {
    let target: { host: string; port: number };
    try {
      target = parseHostPort(flags.netflow);
    } catch (err) {
      throw new ConfigError(`--netflow: ${(err as Error).message}`);
    }
    const netflow = section(section(raw, 'inputs'), 'netflow');
    netflow.host = target.host;
    netflow.port = target.port;
    netflow.enabled = true;
  }
  if (flags.local)
    raw.local_networks = flags.local
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (flags.dataDir) section(raw, 'stack').data_dir = flags.dataDir;
  if (typeof flags.kibana === 'string') section(raw, 'kibana').url = flags.kibana;
  return validateConfig(raw, flags.config ?? 'configuration');
}
