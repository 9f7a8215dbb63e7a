import { describe, expect, it } from 'vitest';
import { OldDataCounter } from './old-data.js';

const DAY = 86_400_000;

describe('what an import says about old data', () => {
  it('counts per kind the documents older than their retention, with the day they are kept until', () => {
    const now = Date.UTC(2026, 11, 2);
    const counter = new OldDataCounter({ flows: 30 * DAY, alerts: 365 * DAY, events: 30 * DAY }, now);
    const at = (dataset: string, ms: number) => ({
      record: { dataset, id: `${dataset}${ms}`, doc: { '@timestamp': new Date(ms).toISOString() } },
      json: '',
    });
    counter.observe('test', [
      at('flowtrail.flows', Date.UTC(2018, 2, 1)),
      at('flowtrail.flows', now - DAY),
      at('flowtrail.alerts', now - 100 * DAY),
      at('flowtrail.alerts', Date.UTC(2011, 4, 1)),
      at('flowtrail.suricata_dns', now - 31 * DAY),
    ]);
    expect(counter.summary()).toEqual([
      { kind: 'flows', documents: 1, retention_days: 30, kept_until: '2027-01-01' },
      { kind: 'alerts', documents: 1, retention_days: 365, kept_until: '2027-12-02' },
      { kind: 'events', documents: 1, retention_days: 30, kept_until: '2027-01-01' },
    ]);
  });
});
