import { restoreArchivedDay } from '../../wiring/archive-snapshots.js';
import { connect } from '../../wiring/elasticsearch.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

/** `flowtrail archive restore --day D`: a deleted day's raw flows back, from `archive.snapshot_before_delete`. */
export const archiveCommand: CliCommand = (parent, { withConfig, run }) => {
  const archive = parent.command('archive').description('flows archived before retention deleted them');
  withConfig(archive.command('restore'))
    .description('restore the flow indices of a day snapshotted before deletion, as restored-<index>')
    .requiredOption('--day <YYYY-MM-DD>', 'the day (UTC)')
    .option('--json', 'print as JSON')
    .action(
      run(async (o: ConfigFlags & { day: string; json?: boolean }) => {
        const config = resolveConfig(o);
        const { client } = await connect(config);
        try {
          const indices = await restoreArchivedDay(client, config, o.day);
          printResult(Boolean(o.json), { day: o.day, indices }, () =>
            indices.map((index) => `restored  ${index}`).join('\n'),
          );
          return 0;
        } finally {
          await client.close();
        }
      }),
    );
};
