import { logLevel } from 'kafkajs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { kafkaLogCreator } from './logger.js';

function levelsOf(lines: Array<{ level: logLevel; error?: string }>): number[] {
  const written: number[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => written.push((JSON.parse(line) as { level: number }).level) },
  );
  const log = kafkaLogCreator(logger)();
  for (const { level, error } of lines) log({ level, log: { message: 'Response Heartbeat', error } });
  return written;
}

describe("kafkajs's log lines", () => {
  it('keep their level, but a rebalance or a loading coordinator is info, not an error', () => {
    expect(
      levelsOf([
        { level: logLevel.ERROR, error: 'The group is rebalancing, so a rejoin is needed' },
        { level: logLevel.ERROR, error: "The coordinator is loading and hence can't process requests" },
        { level: logLevel.ERROR, error: 'Connection timeout' },
        { level: logLevel.WARN, error: 'This is not the correct coordinator for this group' },
        { level: logLevel.WARN, error: 'Request timed out' },
        { level: logLevel.INFO },
      ]),
    ).toEqual([30, 30, 50, 30, 40, 20]);
  });
});
