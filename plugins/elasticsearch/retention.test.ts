import { describe, expect, it } from 'vitest';
import { backingIndexAges, dailyIndexAge, expiredIndices } from './retention.js';

const DAY = 86_400_000;
const retention = { flows: 30 * DAY, alerts: 365 * DAY, events: 30 * DAY };

describe('retention by the age of data in the store', () => {
  const now = Date.UTC(2026, 10, 21, 12);

  it('keeps an index created for an old day (an import) as long as one written today', () => {
    const imported = dailyIndexAge('logs-flowtrail.flows-default-2018.03.01', now - DAY);
    expect(imported).toEqual({
      index: 'logs-flowtrail.flows-default-2018.03.01',
      stream: 'logs-flowtrail.flows-default',
      writtenUntilMs: now,
    });
    expect(expiredIndices([imported!], now, retention)).toEqual([]);
    expect(expiredIndices([imported!], now + 30 * DAY, retention)).toEqual([imported!.index]);
  });

  it('keeps a live daily index until its whole day is older than the retention', () => {
    const live = dailyIndexAge('logs-flowtrail.flows-default-2026.10.21', Date.UTC(2026, 9, 21));
    expect(live?.writtenUntilMs).toBe(Date.UTC(2026, 9, 22));
    expect(expiredIndices([live!], Date.UTC(2026, 10, 21) - 1, retention)).toEqual([]);
    expect(expiredIndices([live!], Date.UTC(2026, 10, 21), retention)).toEqual([live!.index]);
  });

  it('applies the retention of each kind, events for datasets it does not know', () => {
    const created = now - 40 * DAY;
    const ages = ['flows', 'alerts', 'zeek_dns'].map(
      (dataset) => dailyIndexAge(`logs-flowtrail.${dataset}-default-2026.10.01`, created)!,
    );
    expect(expiredIndices(ages, now, retention)).toEqual([
      'logs-flowtrail.flows-default-2026.10.01',
      'logs-flowtrail.zeek_dns-default-2026.10.01',
    ]);
  });

  it('leaves names that are not daily indices alone', () => {
    expect(dailyIndexAge('logs-flowtrail.flows-default', now)).toBeUndefined();
    expect(dailyIndexAge('.ds-logs-flowtrail.flows-default-2026.11.21-000001', now)).toBeUndefined();
  });

  it('counts a backing index as written until the next generation was created, never the write index', () => {
    const stream = 'logs-flowtrail.flows-default';
    const generations = [
      { index: '.ds-a-000001', createdMs: now - 50 * DAY },
      { index: '.ds-a-000002', createdMs: now - 31 * DAY },
      { index: '.ds-a-000003', createdMs: now - 29 * DAY },
    ];
    const ages = backingIndexAges(stream, generations);
    expect(ages.map((a) => a.writtenUntilMs)).toEqual([now - 31 * DAY, now - 29 * DAY]);
    expect(expiredIndices(ages, now, retention)).toEqual(['.ds-a-000001']);
    expect(
      expiredIndices(backingIndexAges(stream, generations.slice(2)), now + 999 * DAY, retention),
    ).toEqual([]);
  });
});
