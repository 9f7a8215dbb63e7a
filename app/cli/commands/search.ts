import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { indicesOf } from '../../../src/correlate/es.js';
import { searchFlows } from '../../../src/reports/search.js';
import { parseSearch, type SearchFlags } from '../../../src/reports/search-params.js';
import { formatTable } from '../../../src/reports/table.js';
import { connect } from '../../wiring/elasticsearch.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

/** `flowtrail search`: flow records matching the filters, oldest first. */
async function runSearch(config: FlowtrailConfig, flags: SearchFlags & { json?: boolean }): Promise<number> {
  const filter = parseSearch(flags);
  const { store: client } = await connect(config);
  try {
    const rows = await searchFlows(client, indicesOf(config.elasticsearch.namespace).flows, filter);
    printResult(Boolean(flags.json), rows, () =>
      formatTable(rows, [
        'time',
        'transport',
        'source',
        'source_port',
        'destination',
        'destination_port',
        'bytes',
        'packets',
        'observer',
      ]),
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
    .option('--first-talker <ip>', 'only sessions this address started')
    .option('--limit <n>', 'at most this many records (default 100)')
    .option('--json', 'print as JSON')
    .action(run((o: ConfigFlags & SearchFlags & { json?: boolean }) => runSearch(resolveConfig(o), o)));
};
