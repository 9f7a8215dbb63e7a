import { describe, expect, it } from 'vitest';
import { ActivitySummary } from './activity.js';
import { Metrics } from './metrics.js';

describe('ActivitySummary', () => {
  it('counts each line from the previous one: in per input, written, failed, dropped, exporters heard', async () => {
    const metrics = new Metrics();
    let packets = { '192.0.2.1:2055': 10, '192.0.2.2:2055': 5 };
    metrics.netflow = () => ({
      exporters: Object.fromEntries(Object.entries(packets).map(([e, p]) => [e, { packets: p }])),
    });
    let now = 0;
    metrics.recordsIn.inc({ plugin: 'netflow' }, 7);
    const summary = await ActivitySummary.start(metrics, () => now);

    metrics.recordsIn.inc({ plugin: 'netflow' }, 100);
    metrics.recordsIn.inc({ plugin: 'zeek-files' }, 20);
    metrics.recordsOut.inc({ plugin: 'elasticsearch' }, 115);
    metrics.recordsFailed.inc({ plugin: 'zeek-files' }, 5);
    packets = { '192.0.2.1:2055': 30, '192.0.2.2:2055': 5 };
    now = 60_000;
    const first = await summary.next();
    expect(first.msg).toBe(
      'last 60s: received 120 (100 netflow, 20 zeek-files) from 1 NetFlow exporter(s), wrote 115, 5 failed (5 zeek-files)',
    );
    expect(first.fields).toEqual({
      seconds: 60,
      in: { netflow: 100, 'zeek-files': 20 },
      written: { elasticsearch: 115 },
      failed: { 'zeek-files': 5 },
      dropped: {},
      exporters: 1,
    });

    metrics.recordsDropped.inc({ plugin: 'netflow', reason: 'queue_full' }, 3);
    now = 120_000;
    expect((await summary.next()).msg).toBe('last 60s: received nothing, wrote 0, 3 dropped (3 netflow)');
  });
});
