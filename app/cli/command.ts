import type { Command } from 'commander';
import type { Logger } from 'pino';

// Commander hands actions untyped arguments; each action declares what it receives.
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Action = (...args: any[]) => Promise<number> | number;

/** What a command is handed when it registers itself. */
export interface CliContext {
  logger: Logger;
  /** Adds the options of every command that reads the configuration (--config, --es, --data-dir). */
  withConfig: (command: Command) => Command;
  /** The action as commander calls it: what it returns becomes the process's exit code. */
  run: (action: Action) => (...args: unknown[]) => Promise<void>;
}

/** A command declares itself (name, arguments, options, action) under its parent: the program or a group. */
export type CliCommand = (parent: Command, context: CliContext) => void;
