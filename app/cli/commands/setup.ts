import type { Logger } from 'pino';
import { detectCapabilities } from '../../../plugins/elasticsearch/capabilities.js';
import { type SetupReport, setupElasticsearch } from '../../../plugins/elasticsearch/setup.js';
import { type ImportReport, importSavedObjects } from '../../../plugins/kibana/import.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { KIBANA_FILE, kibanaNdjson } from '../../../src/kibana/index.js';
import { VERSION } from '../../../src/util/package.js';
import { archiveBeforeDelete } from '../../wiring/archive.js';
import { connect } from '../../wiring/elasticsearch.js';
import { resolveKibana } from '../../wiring/kibana.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printNote, printResult } from '../output.js';

export async function runSetup(config: FlowtrailConfig, logger?: Logger): Promise<SetupReport> {
  const { client } = await connect(config, logger);
  try {
    const { indexMode } = await detectCapabilities(client);
    return await setupElasticsearch(client, {
      retentionMs: config.elasticsearch.retention,
      version: VERSION,
      beforeDelete: archiveBeforeDelete(config, client, indexMode),
    });
  } finally {
    await client.close();
  }
}

/** The report as `setup --json` prints it: snake_case keys, as every JSON flowtrail prints. */
export function setupView(report: SetupReport): Record<string, unknown> {
  const { version, distribution, indexMode, retentionMode } = report.cluster;
  return {
    cluster: { version, distribution, index_mode: indexMode, retention_mode: retentionMode },
    changes: report.changes,
    privileges: report.privileges,
    retention: { deleted: report.retention.deleted, rolled_over: report.retention.rolledOver },
  };
}

export function describeSetup(report: SetupReport): string {
  const retention: Record<string, string> = {
    lifecycle: 'data stream lifecycle',
    ilm: 'ILM policies',
    flowtrail: 'flowtrail itself (this server has neither data stream lifecycle nor ILM)',
  };
  return [
    `${report.cluster.distribution} ${report.cluster.version}; ${report.cluster.indexMode.replace('_', ' ')} mode; retention by ${retention[report.cluster.retentionMode]}`,
    report.privileges.checked ? 'privileges checked' : `privileges not checked: ${report.privileges.why}`,
    ...report.changes.map((c) => `${c.change.padEnd(9)} ${c.kind.replace('_', ' ')} ${c.name}`),
    ...report.retention.rolledOver.map((stream) => `rolled    over data stream ${stream}`),
    ...report.retention.deleted.map((index) => `deleted   expired index ${index}`),
  ].join('\n');
}

/** Kibana's names for the saved object types flowtrail ships, as people know them. */
const OBJECT_NAMES: Record<string, string> = {
  'index-pattern': 'data views',
  search: 'saved searches',
  lens: 'visualizations',
  dashboard: 'dashboards',
};

function sentCount(report: ImportReport): number {
  return Object.values(report.sent).reduce((a, b) => a + b, 0);
}

function importFailed(report: ImportReport): boolean {
  return !report.success || report.failures.length > 0;
}

export function kibanaView(report: ImportReport): Record<string, unknown> {
  return {
    url: report.url,
    space: report.space,
    sent: sentCount(report),
    success: report.success,
    imported: report.imported,
    failures: report.failures.map((f) => ({
      type: f.type,
      id: f.id,
      title: f.title ?? null,
      error: f.error,
    })),
  };
}

function describeImport(report: ImportReport): string {
  const kinds = Object.entries(report.sent).map(([type, n]) => `${n} ${OBJECT_NAMES[type] ?? type}`);
  return [
    `imported  ${report.imported} of ${sentCount(report)} Kibana saved objects into ${report.url} (space ${report.space}): ${kinds.join(', ')}`,
    ...report.failures.map(
      (f) => `failed    ${f.type} ${f.id}${f.title ? ` ("${f.title}")` : ''}: ${f.error}`,
    ),
  ].join('\n');
}

export const setupCommand: CliCommand = (parent, { withConfig, run, logger }) => {
  withConfig(parent.command('setup'))
    .description(
      'install or update index templates and retention (idempotent; says what changed); --kibana also imports ' +
        'the dashboards',
    )
    .option('--json', 'print the report as JSON')
    .option(
      '--kibana [url]',
      "import flowtrail's data views, dashboards and saved searches into Kibana (the URL overrides kibana.url)",
    )
    .action(
      run(async (o: ConfigFlags & { json?: boolean }) => {
        const config = resolveConfig(o);
        // Kibana's settings are checked before anything changes on the cluster.
        const kibana = o.kibana ? await resolveKibana(config, (message) => logger.warn(message)) : undefined;
        const report = await runSetup(config, logger);
        const imported = kibana ? await importSavedObjects(kibana, kibanaNdjson(), KIBANA_FILE) : undefined;
        const view = { ...setupView(report), ...(imported ? { kibana: kibanaView(imported) } : {}) };
        printResult(Boolean(o.json), view, () =>
          [describeSetup(report), ...(imported ? [describeImport(imported)] : [])].join('\n'),
        );
        if (imported && importFailed(imported)) {
          printNote(`Kibana did not import ${sentCount(imported) - imported.imported} of the saved objects`);
          return 1;
        }
        return 0;
      }),
    );
};
