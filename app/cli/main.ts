import { Command, CommanderError, Option } from 'commander';
import { parseHostPort } from '../../src/config/units.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { REPORTS } from '../../src/reports/registry.js';
import type { SearchFlags } from '../../src/reports/search-params.js';
import { VERSION } from '../../src/util/package.js';
import { collectCommand } from './commands/collect.js';
import { communityIdCommand } from './commands/community-id.js';
import { type CorrelateFlags, correlateCommand } from './commands/correlate.js';
import { type DetectFlags, detectCommand } from './commands/detect.js';
import { hostCommand, type RangeFlags } from './commands/host.js';
import { INGEST_KINDS, ingestCommand } from './commands/ingest.js';
import { type ReportFlags, reportCommand } from './commands/report.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { setupCommand } from './commands/setup.js';
import { stackDownCommand, stackStatusCommand, stackUpCommand } from './commands/stack.js';
import { upCommand } from './commands/up.js';
import { type ConfigFlags, resolveConfig } from './config.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const logger = createLogger();
  const program = new Command('flowtrail')
    .description('NetFlow/IPFIX, Zeek and IDS alerts in one ECS flow schema in Elasticsearch')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();

  const withConfig = (command: Command) =>
    command
      .option('-c, --config <file>', 'YAML configuration file')
      .option('--es <url>', 'Elasticsearch URL (overrides elasticsearch.url)')
      .option('--data-dir <dir>', "flowtrail's data directory (stack, dead letters, spool)");
  // Commander hands actions untyped arguments; each action below declares what it receives.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  type Action = (...args: any[]) => Promise<number> | number;
  const run =
    (action: Action) =>
    async (...args: unknown[]) => {
      exitCode = await action(...args);
    };

  withConfig(program.command('up'))
    .description('start the embedded Elasticsearch, install templates and collect NetFlow (UDP 2055)')
    .option('--netflow <host:port>', 'NetFlow/IPFIX listen address')
    .option('--local <cidrs>', 'local networks, comma separated')
    .option('--nodes <n>', 'nodes of the embedded cluster', (v) => Number(v))
    .option('--kafka', 'also start the embedded Kafka broker')
    .action(
      run((o: ConfigFlags & { nodes?: number; kafka?: boolean }) => {
        const config = resolveConfig(o);
        if (o.nodes !== undefined) config.stack.nodes = o.nodes;
        if (o.kafka) config.stack.kafka = true;
        return upCommand(config, logger);
      }),
    );

  const stack = program
    .command('stack')
    .description('the embedded Elasticsearch (and Kafka) that flowtrail provisions');
  withConfig(stack.command('up'))
    .description('start it (Maven resolves Elasticsearch from Maven Central on first use)')
    .option('--nodes <n>', 'number of Elasticsearch nodes', (v) => Number(v))
    .option('--kafka', 'also start a single-node KRaft Kafka broker')
    .option('--json', 'print the stack state as JSON')
    .action(
      run((o: ConfigFlags & { nodes?: number; kafka?: boolean; json?: boolean }) => {
        const config = resolveConfig(o);
        if (o.nodes !== undefined) {
          if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 5)
            throw new UsageError('--nodes: expected 1 to 5');
          config.stack.nodes = o.nodes;
        }
        if (o.kafka) config.stack.kafka = true;
        return stackUpCommand(config, logger, Boolean(o.json));
      }),
    );
  withConfig(stack.command('down'))
    .description('stop it; no process is left behind')
    .option('--json', 'print what was stopped as JSON')
    .action(
      run((o: ConfigFlags & { json?: boolean }) => stackDownCommand(resolveConfig(o), Boolean(o.json))),
    );
  withConfig(stack.command('status'))
    .description('is it up, and where (exit 1 when Elasticsearch is not up)')
    .option('--json', 'print the Elasticsearch/Kafka URLs as JSON')
    .action(
      run((o: ConfigFlags & { json?: boolean }) => stackStatusCommand(resolveConfig(o), Boolean(o.json))),
    );

  withConfig(program.command('setup'))
    .description('install or update index templates and retention (idempotent; says what changed)')
    .option('--json', 'print the report as JSON')
    .action(
      run((o: ConfigFlags & { json?: boolean }) => setupCommand(resolveConfig(o), logger, Boolean(o.json))),
    );

  withConfig(program.command('collect'))
    .description('run the live inputs of the configuration until SIGINT/SIGTERM')
    .option('--netflow <host:port>', 'NetFlow/IPFIX listen address (overrides inputs.netflow)')
    .option('--local <cidrs>', 'local networks, comma separated (overrides local_networks)')
    .action(run((o: ConfigFlags) => collectCommand(resolveConfig(o), logger)));

  withConfig(program.command('ingest'))
    .description('read files once into Elasticsearch (.gz included) and print a summary')
    .addArgument(program.createArgument('<kind>', 'input kind').choices(INGEST_KINDS))
    .argument('<files...>', 'files to read')
    .option('--local <cidrs>', 'local networks, comma separated (overrides local_networks)')
    .addOption(
      new Option('--timezone <tz>', 'timezone of timestamps without one (Snort alert_fast/full)').default(
        'UTC',
      ),
    )
    .option('--json', 'print the summary as JSON')
    .action(
      run((kind: string, files: string[], o: ConfigFlags & { json?: boolean; timezone: string }) =>
        ingestCommand(kind, files, resolveConfig(o), logger, { json: Boolean(o.json), timezone: o.timezone }),
      ),
    );

  withConfig(program.command('correlate'))
    .description('match alerts to their flows and write the context onto them; with an id, show one alert')
    .argument('[alert-id]', 'document id of one alert: correlate it and show its flows and surroundings')
    .option('--follow', 'keep correlating new alerts (after a delay for late flows) until SIGINT/SIGTERM')
    .option('--from <time>', 'only alerts from this time on (ISO, "2026-11-21 22:05", -1h)')
    .option('--json', 'print as JSON')
    .action(
      run((id: string | undefined, o: ConfigFlags & CorrelateFlags) =>
        correlateCommand(id, resolveConfig(o), logger, o),
      ),
    );

  withConfig(program.command('host'))
    .description("one address's log: what it did, services it used, who accessed it, traffic over time")
    .argument('<ip>', 'the address')
    .option('--from <time>', 'start (ISO, "2026-11-21 22:05" in UTC, -1h); default: an hour ago')
    .option('--to <time>', 'end; default: now')
    .option('--json', 'print as JSON')
    .action(run((ip: string, o: ConfigFlags & RangeFlags) => hostCommand(ip, resolveConfig(o), o)));

  withConfig(program.command('search'))
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
    .action(run((o: ConfigFlags & SearchFlags & { json?: boolean }) => searchCommand(resolveConfig(o), o)));

  withConfig(program.command('report'))
    .description('a traffic report over a time range')
    .addArgument(
      program
        .createArgument('<name>', REPORTS.map((r) => `${r.name}: ${r.description}`).join('; '))
        .choices(REPORTS.map((r) => r.name)),
    )
    .option('--from <time>', 'start (ISO, "2026-11-21 22:05" in UTC, -1d); default: an hour ago')
    .option('--to <time>', 'end; default: now')
    .option('--limit <n>', 'rows of ranked reports (default 20)')
    .option('--interval <period>', 'billing period: hour, day, week, month (default day)')
    .option('--json', 'print as JSON')
    .option('--csv', 'print as CSV')
    .action(run((name: string, o: ConfigFlags & ReportFlags) => reportCommand(name, resolveConfig(o), o)));

  withConfig(program.command('detect'))
    .description('port/address scans, abnormal volume and access-policy violations: alerts and notifications')
    .option('--from <time>', 'batch mode over stored flows from (default: an hour ago)')
    .option('--to <time>', 'batch mode up to (default: now)')
    .option('--follow', 'live mode over new flows until SIGINT/SIGTERM')
    .option('--json', 'print the findings as JSON')
    .action(run((o: ConfigFlags & DetectFlags) => detectCommand(resolveConfig(o), logger, o)));

  withConfig(program.command('serve'))
    .description('the HTTP API (bearer token required unless bound to loopback) until SIGINT/SIGTERM')
    .option('--listen <host:port>', 'address to listen on (overrides api.host/api.port)')
    .action(
      run((o: ConfigFlags & { listen?: string }) => {
        const config = resolveConfig(o);
        if (o.listen) {
          let target: { host: string; port: number };
          try {
            target = parseHostPort(o.listen, '127.0.0.1');
          } catch (err) {
            throw new UsageError(`--listen: ${(err as Error).message}`);
          }
          config.api.host = target.host;
          config.api.port = target.port;
        }
        return serveCommand(config, logger);
      }),
    );

  program
    .command('community-id')
    .description('print the Community ID v1 of a flow (like pycommunityid)')
    .argument('<proto>', 'protocol name or number (tcp, udp, icmp, 6…)')
    .argument('<saddr>')
    .argument('<sport>', 'source port (ICMP: type)')
    .argument('<daddr>')
    .argument('<dport>', 'destination port (ICMP: code)')
    .option('--seed <n>', 'seed (0-65535)')
    .option('--no-base64', 'hex digest instead of base64')
    .option('--json', 'print as JSON')
    .action(run(communityIdCommand));

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
        ? 0
        : 2;
    }
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`flowtrail: ${err.message}\n`);
      return 2;
    }
    logger.error({ err }, (err as Error).message);
    process.stderr.write(`flowtrail: ${(err as Error).message}\n`);
    return 1;
  }
}
