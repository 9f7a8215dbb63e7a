import { describe, expect, it } from 'vitest';
import { dailyIndexDay, dailyIndexName } from '../../src/store/naming.js';
import { expiredDailyIndices } from './retention.js';

const DAY = 86_400_000;

describe('daily index retention', () => {
  it('names and parses daily indices from the document time', () => {
    const name = dailyIndexName('flowtrail.flows', 'default', '2026-11-21T22:05:34.000Z');
    expect(name).toBe('logs-flowtrail.flows-default-2026.11.21');
    expect(dailyIndexDay(name)).toBe(Date.UTC(2026, 10, 21));
    expect(dailyIndexDay('logs-flowtrail.flows-default')).toBeUndefined();
  });

  it('expires a day only when all of it is older than the retention of its kind', () => {
    const now = Date.UTC(2026, 10, 21, 12);
    const retention = { flows: 2 * DAY, alerts: 30 * DAY, events: 1 * DAY };
    const indices = [
      'logs-flowtrail.flows-default-2026.11.18', // ended 19th 00:00, +2d = 21st 00:00 <= now: expired
      'logs-flowtrail.flows-default-2026.11.19', // ended 20th, +2d = 22nd: kept
      'logs-flowtrail.alerts-default-2026.10.01', // +30d: expired
      'logs-flowtrail.alerts-default-2026.11.01', // kept
      'logs-flowtrail.zeek_dns-default-2026.11.19', // events: 1 day: expired
      'logs-flowtrail.flows-default', // not daily: never touched
    ];
    expect(expiredDailyIndices(indices, now, retention)).toEqual([
      'logs-flowtrail.flows-default-2026.11.18',
      'logs-flowtrail.alerts-default-2026.10.01',
      'logs-flowtrail.zeek_dns-default-2026.11.19',
    ]);
  });
});
