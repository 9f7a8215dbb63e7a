import type { Logger } from 'pino';
import { type SetupReport, setupElasticsearch } from '../../../plugins/elasticsearch/setup.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { VERSION } from '../../../src/util/package.js';
import { connect } from '../../wiring/elasticsearch.js';
import { printResult } from '../output.js';

export async function runSetup(config: FlowtrailConfig): Promise<SetupReport> {
  const { client } = await connect(config);
  try {
    return await setupElasticsearch(client, {
      retentionMs: config.elasticsearch.retention,
      version: VERSION,
    });
  } finally {
    await client.close();
  }
}

export function describeSetup(report: SetupReport): string {
  const retention: Record<string, string> = {
    lifecycle: 'data stream lifecycle',
    ilm: 'ILM policies',
    flowtrail: 'flowtrail itself (this cluster has neither data stream lifecycle nor ILM)',
  };
  return [
    `elasticsearch ${report.cluster.version} (${report.cluster.distribution}); retention by ${retention[report.cluster.retentionMode]}`,
    ...report.changes.map((c) => `${c.change.padEnd(9)} ${c.kind.replace('_', ' ')} ${c.name}`),
    ...report.deletedIndices.map((index) => `deleted   expired index ${index}`),
  ].join('\n');
}

export async function setupCommand(config: FlowtrailConfig, _logger: Logger, json: boolean): Promise<number> {
  const report = await runSetup(config);
  printResult(json, report, () => describeSetup(report));
  return 0;
}
