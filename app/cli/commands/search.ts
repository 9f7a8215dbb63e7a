import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { indicesOf } from '../../../src/correlate/es.js';
import { emptyResultNote } from '../../../src/reports/extent.js';
import { searchFlows } from '../../../src/reports/search.js';
import { parseSearch, type SearchFlags } from '../../../src/reports/search-params.js';
import { formatTable } from '../../../src/reports/table.js';
import { connect } from '../../wiring/elasticsearch.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printNote, printResult } from '../output.js';

/** `flowtrail search`: flow records matching the filters, oldest first. */
async function runSearch(config: FlowtrailConfig, flags: SearchFlags & { json?: boolean }): Promise<number> {
  const filter = parseSearch(flags);
  const { store: client } = await connect(config);
  try {
    const index = indicesOf(config.elasticsearch.namespace).flows;
    const result = await searchFlows(client, index, filter);
    printResult(Boolean(flags.json), result, () =>
      formatTable(
        result.flows.map((f) => ({
          ...f,
          icmp: f.icmp_type === undefined ? undefined : `${f.icmp_type}/${f.icmp_code ?? ''}`,
        })),
        [
          'time',
          'transport',
          'source',
          'source_port',
          'destination',
          'destination_port',
          'icmp',
          'bytes',
          'packets',
          'observer',
        ],
      ),
    );
    if (result.flows.length === 0) printNote(await emptyResultNote(client, index, filter.range));
    else if (result.truncated)
      printNote(
        `showing the first ${result.flows.length} of ${result.total_is_lower_bound ? 'at least ' : ''}${result.total} ` +
          'matching flows: raise --limit (up to 10000) or narrow --from/--to',
      );
    return 0;
  } finally {
    await client.close();
  }
}

export const searchCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('search'))
    .description('flow records matching filters, oldest first')
    .option('--from <time>', 'start (to the minute: "2026-11-21 22:05"); default: an hour ago')
    .option('--to <time>', 'end; default: now')
    .option('--ip <address|cidr>', 'an address or network on either side')
    .option('--local-port <port>', 'port on the side inside local_networks')
    .option('--remote-port <port>', 'port on the side outside local_networks')
    .option('--protocol <name>', 'tcp, udp, icmp…')
    .option('--min-bytes <n>', 'at least this many bytes in the flow record')
    .option('--max-bytes <n>', 'at most this many bytes')
    .option(
      '--first-talker <ip|cidr>',
      'only conversations this address (or network) opened: it is the client',
    )
    .option('--observer <name>', 'only the records of this observer (an exporter as ip:port, a sensor…)')
    .option('--limit <n>', 'at most this many records (default 100)')
    .option('--json', 'print as JSON')
    .action(run((o: ConfigFlags & SearchFlags & { json?: boolean }) => runSearch(resolveConfig(o), o)));
};
