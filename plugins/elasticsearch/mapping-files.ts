import { validateConfig } from '../../src/config/load.js';
import { buildTemplates } from './templates.js';

/**
 * The files under `mappings/`: what `setup` installs on a cluster with data stream lifecycle (8.11+), with the
 * default retention and none of the cluster's own components to compose (`setup` adds `logs@settings`,
 * `ecs@mappings` and the `@custom` hooks where they exist). Keyed by path relative to `mappings/`.
 */
export function renderMappingFiles(): Record<string, string> {
  const defaults = validateConfig({}).elasticsearch.retention;
  const set = buildTemplates(
    { retentionMs: defaults, retentionMode: 'lifecycle', indexMode: 'data_stream' },
    'generated',
  );
  const files: Record<string, string> = {};
  for (const [name, body] of Object.entries(set.componentTemplates)) {
    files[`component_templates/${name}.json`] = `${JSON.stringify(body, null, 2)}\n`;
  }
  for (const [name, body] of Object.entries(set.indexTemplates)) {
    files[`index_templates/${name}.json`] = `${JSON.stringify(body, null, 2)}\n`;
  }
  for (const [name, body] of Object.entries(set.ingestPipelines)) {
    files[`ingest_pipelines/${name}.json`] = `${JSON.stringify(body, null, 2)}\n`;
  }
  return files;
}
