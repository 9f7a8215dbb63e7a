import { logLevel } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * Broker answers kafkajs logs as errors although they are the normal course of a group or a fresh cluster, and
 * it retries them itself: a member joining or leaving makes the others' heartbeats answer "rebalancing", and a
 * coordinator that just took over is "loading" for a while. As errors they would teach users to ignore errors.
 */
const ROUTINE_ANSWERS = [
  'The group is rebalancing',
  'The coordinator is loading',
  'This is not the correct coordinator',
  'The coordinator is not available',
];

function routine(log: Record<string, unknown>): boolean {
  const error = log.error;
  return typeof error === 'string' && ROUTINE_ANSWERS.some((answer) => error.startsWith(answer));
}

/** kafkajs's log lines through the plugin's pino logger, at their own level (routine broker answers at info). */
export function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...rest } = log;
      const text = `kafka: ${message}`;
      if (level !== logLevel.ERROR && level !== logLevel.WARN) logger.debug(rest, text);
      else if (routine(rest)) logger.info(rest, text);
      else if (level === logLevel.ERROR) logger.error(rest, text);
      else logger.warn(rest, text);
    };
}
