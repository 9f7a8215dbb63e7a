import { Argument } from 'commander';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { indicesOf } from '../../../src/correlate/es.js';
import { UsageError } from '../../../src/errors.js';
import { legend } from '../../../src/reports/columns.js';
import { emptyRangeHint } from '../../../src/reports/extent.js';
import { REPORTS, reportNamed } from '../../../src/reports/registry.js';
import { parseReportOptions, runReport } from '../../../src/reports/run.js';
import { formatTable, toCsv } from '../../../src/reports/table.js';
import { parseRange } from '../../../src/reports/time.js';
import { connect } from '../../wiring/elasticsearch.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printNote } from '../output.js';

interface ReportFlags {
  from?: string;
  to?: string;
  limit?: string;
  interval?: string;
  json?: boolean;
  csv?: boolean;
  observer?: string;
  byObserver?: boolean;
}

/** `flowtrail report <name>`: one report over the time range, as a table, JSON or CSV. */
async function showReport(name: string, config: FlowtrailConfig, flags: ReportFlags): Promise<number> {
  if (flags.json && flags.csv) throw new UsageError('--json and --csv: choose one');
  reportNamed(name);
  const range = parseRange(flags.from, flags.to);
  const options = parseReportOptions(flags);
  const { store: client } = await connect(config);
  try {
    const result = await runReport(client, config, name, range, options);
    const text = flags.json
      ? JSON.stringify(result, null, 2)
      : flags.csv
        ? toCsv(result.rows, result.columns)
        : [
            `${result.report} ${result.from} .. ${result.to}`,
            formatTable(result.rows, result.columns),
            '',
            legend(result.report, result.columns),
          ].join('\n');
    process.stdout.write(`${text}\n`);
    for (const note of result.notes ?? []) printNote(note);
    if (result.archive_until !== undefined) return 0;
    // Reports with fixed rows (stats, packet-sizes) show zeros rather than nothing: the range is what to check.
    const note = await emptyRangeHint(client, indicesOf(config.elasticsearch.namespace).flows, range);
    if (note !== undefined) printNote(note);
    return 0;
  } finally {
    await client.close();
  }
}

export const reportCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('report'))
    .description('a traffic report over a time range')
    .addArgument(
      new Argument('<name>', REPORTS.map((r) => `${r.name}: ${r.description}`).join('; ')).choices(
        REPORTS.map((r) => r.name),
      ),
    )
    .option('--from <time>', 'start (ISO, "2026-11-21 22:05" in UTC, -1d); default: an hour ago')
    .option('--to <time>', 'end; default: now')
    .option('--limit <n>', 'rows of ranked reports (default 20)')
    .option('--interval <period>', 'billing period: hour, day, week, month (default day)')
    .option('--observer <name>', "only this observer's records (an exporter as ip:port, a sensor…)")
    .option('--by-observer', "a row per observer, side by side, instead of the busiest observer's figures")
    .option('--json', 'print as JSON')
    .option('--csv', 'print as CSV')
    .action(run((name: string, o: ConfigFlags & ReportFlags) => showReport(name, resolveConfig(o), o)));
};
