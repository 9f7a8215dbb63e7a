import type { SnapshotInfo } from '../../../plugins/elasticsearch/snapshots.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { formatTable } from '../../../src/reports/table.js';
import { createBackup, deleteBackup, listBackups, restoreBackup } from '../../wiring/backup.js';
import { connect } from '../../wiring/elasticsearch.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

type JsonFlag = { json?: boolean };

interface SnapshotView {
  name: string;
  state: string;
  started: string;
  seconds?: number;
  indices: number;
}

function snapshotView(s: SnapshotInfo): SnapshotView {
  return {
    name: s.name,
    state: s.state,
    started: new Date(s.startMs).toISOString(),
    ...(s.endMs ? { seconds: Math.round((s.endMs - s.startMs) / 100) / 10 } : {}),
    indices: s.indices.length,
  };
}

async function withClient<T>(
  config: FlowtrailConfig,
  action: (client: Awaited<ReturnType<typeof connect>>['client']) => Promise<T>,
): Promise<T> {
  const { client } = await connect(config);
  try {
    return await action(client);
  } finally {
    await client.close();
  }
}

const createCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('create'))
    .description(
      'snapshot the namespace, its templates and the collector state (incremental: unchanged data is not copied again)',
    )
    .option('--prune', 'then delete all but the newest backup.keep backups')
    .option('--json', 'print as JSON')
    .action(
      run((o: ConfigFlags & JsonFlag & { prune?: boolean }) => {
        const config = resolveConfig(o);
        return withClient(config, async (client) => {
          const result = await createBackup(client, config, { prune: Boolean(o.prune) });
          const view = {
            ...snapshotView(result.snapshot),
            repository: result.repository.name,
            repository_registered: result.repository.registered,
            state_files: result.stateFiles,
            pruned: result.pruned,
          };
          printResult(Boolean(o.json), view, () =>
            [
              ...(result.repository.registered ? [`registered repository ${result.repository.name}`] : []),
              `backup ${view.name} in ${view.repository}: ${view.indices} indices, ${result.stateFiles.length} state file(s), ${view.seconds} s`,
              ...result.pruned.map((name) => `deleted old backup ${name}`),
            ].join('\n'),
          );
          return 0;
        });
      }),
    );
};

const listCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('list'))
    .description("the namespace's backups, oldest first")
    .option('--json', 'print as JSON')
    .action(
      run((o: ConfigFlags & JsonFlag) => {
        const config = resolveConfig(o);
        return withClient(config, async (client) => {
          const rows = (await listBackups(client, config)).map(snapshotView);
          printResult(Boolean(o.json), rows, () =>
            rows.length > 0
              ? formatTable(rows, ['name', 'state', 'started', 'seconds', 'indices'])
              : `no backups of namespace ${config.elasticsearch.namespace} in ${config.backup.repository}`,
          );
          return 0;
        });
      }),
    );
};

const restoreCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('restore <name>'))
    .description(
      'restore what the cluster no longer has of a backup (`latest` for the newest); existing data is left as it is',
    )
    .option('--state', "also write the collector's state files of that moment back (stop collect first)")
    .option('--json', 'print as JSON')
    .action(
      run((name: string, o: ConfigFlags & JsonFlag & { state?: boolean }) => {
        const config = resolveConfig(o);
        return withClient(config, async (client) => {
          const result = await restoreBackup(client, config, name, { state: Boolean(o.state) });
          const view = {
            snapshot: result.snapshot,
            restored: result.restored,
            skipped: result.skipped,
            state_files: result.stateFiles,
          };
          printResult(Boolean(o.json), view, () =>
            [
              `from ${result.snapshot}:`,
              ...result.restored.map((index) => `restored  ${index}`),
              ...result.skipped.map((index) => `kept      ${index} (exists)`),
              ...result.stateFiles.map((file) => `wrote     ${file}`),
            ].join('\n'),
          );
          return 0;
        });
      }),
    );
};

const deleteCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('delete <name>'))
    .description('delete a backup (data other backups still need stays in the repository)')
    .option('--json', 'print as JSON')
    .action(
      run((name: string, o: ConfigFlags & JsonFlag) => {
        const config = resolveConfig(o);
        return withClient(config, async (client) => {
          const deleted = await deleteBackup(client, config, name);
          printResult(Boolean(o.json), { deleted }, () => `deleted backup ${deleted}`);
          return 0;
        });
      }),
    );
};

/** `flowtrail backup create|list|restore|delete`: snapshots in the cluster's snapshot repository. */
export const backupCommand: CliCommand = (parent, context) => {
  const backup = parent
    .command('backup')
    .description('snapshots of the namespace in a snapshot repository (backup.repository)');
  for (const register of [createCommand, listCommand, restoreCommand, deleteCommand])
    register(backup, context);
};
