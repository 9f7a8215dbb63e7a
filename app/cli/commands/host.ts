import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { indicesOf } from '../../../src/correlate/es.js';
import { emptyResultNote } from '../../../src/reports/extent.js';
import { hostLog } from '../../../src/reports/host.js';
import { address, parseObserverView } from '../../../src/reports/params.js';
import { formatTable } from '../../../src/reports/table.js';
import { parseRange } from '../../../src/reports/time.js';
import { connect } from '../../wiring/elasticsearch.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printNote, printResult } from '../output.js';

interface RangeFlags {
  from?: string;
  to?: string;
  json?: boolean;
  observer?: string;
}

/** `flowtrail host <ip>`: the per-address log. */
async function runHost(ip: string, config: FlowtrailConfig, flags: RangeFlags): Promise<number> {
  const range = parseRange(flags.from, flags.to);
  address(ip, 'ip');
  const view = parseObserverView({ observer: flags.observer });
  const { store: client } = await connect(config);
  try {
    const index = indicesOf(config.elasticsearch.namespace).flows;
    const log = await hostLog(client, index, ip, range, view);
    printResult(Boolean(flags.json), log, () =>
      [
        `${log.ip} ${log.from} .. ${log.to}: ${log.flows} flows, ${log.bytes_out} bytes out, ${log.bytes_in} bytes in` +
          ` (as ${log.observer} saw it)`,
        '',
        'observers:',
        formatTable(log.observers, ['observer', 'flows', 'bytes_out', 'bytes_in']),
        '',
        'talked to:',
        formatTable(log.talked_to, ['ip', 'flows', 'bytes', 'ports', 'first_seen', 'last_seen']),
        '',
        'services used:',
        formatTable(log.services_used, ['port', 'transport', 'flows', 'servers']),
        '',
        'services offered:',
        formatTable(log.services_offered, ['port', 'transport', 'flows', 'clients']),
        '',
        'accessed by:',
        formatTable(log.accessed_by, ['ip', 'flows', 'bytes', 'ports', 'first_seen', 'last_seen']),
        '',
        'over time:',
        formatTable(
          log.over_time.filter((b) => b.flows > 0),
          ['time', 'flows', 'bytes_out', 'bytes_in'],
        ),
      ].join('\n'),
    );
    if (log.flows === 0) printNote(await emptyResultNote(client, index, range));
    return 0;
  } finally {
    await client.close();
  }
}

export const hostCommand: CliCommand = (parent, { withConfig, run }) => {
  withConfig(parent.command('host'))
    .description("one address's log: what it did, services it used, who accessed it, traffic over time")
    .argument('<ip>', 'the address')
    .option('--from <time>', 'start (ISO, "2026-11-21 22:05" in UTC, -1h); default: an hour ago')
    .option('--to <time>', 'end; default: now')
    .option('--observer <name>', "this observer's records (default: the one that saw the most of it)")
    .option('--json', 'print as JSON')
    .action(run((ip: string, o: ConfigFlags & RangeFlags) => runHost(ip, resolveConfig(o), o)));
};
