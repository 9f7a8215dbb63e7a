import type { Logger } from 'pino';
import { type SetupReport, setupElasticsearch } from '../../../plugins/elasticsearch/setup.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { VERSION } from '../../../src/util/package.js';
import { connect } from '../../wiring/elasticsearch.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

export async function runSetup(config: FlowtrailConfig, logger?: Logger): Promise<SetupReport> {
  const { client } = await connect(config, logger);
  try {
    return await setupElasticsearch(client, {
      retentionMs: config.elasticsearch.retention,
      version: VERSION,
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

export const setupCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('setup'))
    .description('install or update index templates and retention (idempotent; says what changed)')
    .option('--json', 'print the report as JSON')
    .action(
      run(async (o: ConfigFlags & { json?: boolean }) => {
        const report = await runSetup(resolveConfig(o));
        printResult(Boolean(o.json), setupView(report), () => describeSetup(report));
        return 0;
      }),
    );
};
