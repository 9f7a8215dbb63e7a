import { Command, CommanderError } from 'commander';
import type { Logger } from 'pino';
import { ConfigError, UnavailableError, UsageError } from '../../src/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { VERSION } from '../../src/util/package.js';
import type { CliContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { withConfig } from './config.js';

/** Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const logger = createLogger();
  const context: CliContext = {
    logger,
    withConfig,
    run:
      (action) =>
      async (...args) => {
        exitCode = await action(...args);
      },
  };
  // Subcommands copy exitOverride and showHelpAfterError when created, so these come before registration.
  const program = new Command('flowtrail')
    .description('NetFlow/IPFIX, Zeek and IDS alerts in one ECS flow schema in Elasticsearch')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  for (const register of COMMANDS) register(program, context);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    return failureCode(err, logger);
  }
}

function failureCode(err: unknown, logger: Logger): number {
  if (err instanceof CommanderError) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0
      ? 0
      : 2;
  }
  if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`flowtrail: ${err.message}\n`);
    return 2;
  }
  if (err instanceof UnavailableError) {
    process.stderr.write(`flowtrail: ${err.message}\n`);
    return 1;
  }
  logger.error({ err }, (err as Error).message);
  process.stderr.write(`flowtrail: ${(err as Error).message}\n`);
  return 1;
}
