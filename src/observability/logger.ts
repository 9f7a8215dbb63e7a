import { writeSync } from 'node:fs';
import { type DestinationStream, destination, type Logger, pino } from 'pino';
import { prettyLine } from './pretty.js';

export type LogFormat = 'json' | 'pretty';

/**
 * Human lines on a terminal, JSON (for log shippers) otherwise; FLOWTRAIL_LOG_FORMAT=json|pretty decides
 * instead. A value that is neither is not guessed at: the default holds and the logger says so.
 */
export function logFormat(
  env: NodeJS.ProcessEnv = process.env,
  tty = process.stderr.isTTY === true,
): { format: LogFormat; invalid?: string } {
  const asked = env.FLOWTRAIL_LOG_FORMAT;
  const fallback: LogFormat = tty ? 'pretty' : 'json';
  if (asked === undefined || asked === '') return { format: fallback };
  if (asked === 'json' || asked === 'pretty') return { format: asked };
  return { format: fallback, invalid: asked };
}

/** Writes each JSON line as a pretty one, synchronously like the JSON destination, so nothing is lost at exit. */
function prettyDestination(fd: number, color: boolean): DestinationStream {
  return {
    write(line: string) {
      writeSync(fd, prettyLine(line, { color }));
    },
  };
}

/** Logs go to stderr so that stdout stays for command results (`--json` output, community ids…). */
export function createLogger(level = process.env.FLOWTRAIL_LOG_LEVEL ?? 'info'): Logger {
  const { format, invalid } = logFormat();
  const logger = pino(
    {
      name: 'flowtrail',
      level,
      redact: {
        paths: ['*.password', '*.apiKey', '*.api_key', '*.authorization', 'auth'],
        censor: '[redacted]',
      },
    },
    format === 'pretty'
      ? prettyDestination(2, process.stderr.isTTY === true && process.env.NO_COLOR === undefined)
      : destination({ fd: 2, sync: true }),
  );
  if (invalid !== undefined)
    logger.warn(
      { FLOWTRAIL_LOG_FORMAT: invalid },
      `FLOWTRAIL_LOG_FORMAT: expected json or pretty; logging ${format}`,
    );
  return logger;
}
