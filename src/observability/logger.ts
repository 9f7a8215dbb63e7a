import { destination, type Logger, pino } from 'pino';

/** JSON logs go to stderr so that stdout stays for command results (`--json` output, community ids…). */
export function createLogger(level = process.env.FLOWTRAIL_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      name: 'flowtrail',
      level,
      redact: {
        paths: ['*.password', '*.apiKey', '*.api_key', '*.authorization', 'auth'],
        censor: '[redacted]',
      },
    },
    destination({ fd: 2, sync: true }),
  );
}
