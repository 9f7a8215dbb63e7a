import { afterAll, beforeAll, expect, it } from 'vitest';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { indicesOf } from '../../src/correlate/es.js';
import { hostLog } from '../../src/reports/host.js';
import { runReport } from '../../src/reports/run.js';
import { parseRange } from '../../src/reports/time.js';
import { runCli } from '../support/cli.js';
import { testClient } from '../support/es.js';
import { configFile, loadLab } from '../support/lab.js';
import { nfdumpFlows } from '../support/nfdump-csv.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const client = testClient();
const store = elasticsearchStore(client);
const range = parseRange('2026-11-21 22:00', '2026-11-21 23:00');

/** Three exporters that saw the same link, each as flows name it (its address and source port in the capture). */
const EXPORTERS: Record<string, string> = {
  'softflowd-v5': '127.0.0.1:56642',
  'softflowd-v9': '127.0.0.1:34807',
  'pmacct-ipfix': '127.0.0.1:59923',
};

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
/** What one exporter's records say, in nfdump's reading of its export. */
const theirs = (probe: string) => nfdumpFlows(probe);
const sent = (probe: string, ip: string) => theirs(probe).filter((f) => f.sa === ip);

/** The figure of the exporter that saw the most, the first named on a tie (src/reports/observers.ts). */
function busiest(figure: (probe: string) => number): { probe: string; value: number } {
  return Object.keys(EXPORTERS)
    .map((probe) => ({ probe, value: figure(probe) }))
    .sort((a, b) => b.value - a.value || EXPORTERS[a.probe].localeCompare(EXPORTERS[b.probe]))[0];
}

let config: FlowtrailConfig;

describeNeeding(fixturesMissing())('three exporters on one link: every figure counted once', () => {
  beforeAll(async () => {
    config = await loadLab(client, { exports: Object.keys(EXPORTERS), alerts: false });
  });
  afterAll(() => client.close());

  it("top senders: the heavy talker's bytes as one exporter saw them, not three times; --by-observer and --observer show each", async () => {
    const [top] = (await runReport(store, config, 'top-senders', range, { limit: 1, interval: 'day' })).rows;
    const truth = busiest((probe) => sum(sent(probe, '10.77.0.5').map((f) => f.bytes)));
    expect(truth.value).toBe(20_105_580);
    expect(top).toMatchObject({ ip: '10.77.0.5', bytes: truth.value, observer: EXPORTERS[truth.probe] });

    const each = await runReport(store, config, 'top-senders', range, {
      limit: 100,
      interval: 'day',
      observers: { each: true },
    });
    expect(each.columns.at(-1)).toBe('observer');
    const heavy = each.rows.filter((r) => r.ip === '10.77.0.5');
    expect(Object.fromEntries(heavy.map((r) => [r.observer, r.flows]))).toEqual(
      Object.fromEntries(
        Object.entries(EXPORTERS).map(([probe, at]) => [at, sent(probe, '10.77.0.5').length]),
      ),
    );

    const one = await runCli(
      [
        'report',
        'top-senders',
        '-c',
        configFile(config),
        '--from',
        '2026-11-21 22:00',
        '--to',
        '2026-11-21 23:00',
        '--observer',
        EXPORTERS['softflowd-v5'],
        '--json',
      ],
      { FLOWTRAIL_ES_URL: config.elasticsearch.url! },
    );
    expect(one.code, one.stderr).toBe(0);
    const rows = JSON.parse(one.stdout).rows as Array<Record<string, unknown>>;
    expect(rows.every((r) => r.observer === EXPORTERS['softflowd-v5'])).toBe(true);
    expect(sum(rows.map((r) => Number(r.flows)))).toBeLessThanOrEqual(theirs('softflowd-v5').length);
  });

  it('stats: the totals of the exporter that saw the most bytes, and each exporter beside them', async () => {
    const rows = (await runReport(store, config, 'stats', range)).rows;
    const truth = busiest((probe) => sum(theirs(probe).map((f) => f.bytes)));
    expect(rows.find((r) => r.metric === 'total')).toMatchObject({
      flows: theirs(truth.probe).length,
      bytes: truth.value,
    });
    expect(rows.find((r) => r.metric === 'counted from')?.value).toBe(EXPORTERS[truth.probe]);
    const perObserver = rows.filter((r) => r.metric === 'observer');
    expect(Object.fromEntries(perObserver.map((r) => [r.value, r.flows]))).toEqual(
      Object.fromEntries(
        Object.entries(EXPORTERS).map(([probe, at]) => [`${at} (netflow)`, theirs(probe).length]),
      ),
    );
  });

  it('scans-out: the infected host tried tcp/445 on 256 addresses; its resets to the scanner are not probes', async () => {
    const rows = (await runReport(store, config, 'scans-out', range)).rows;
    expect(rows.map((r) => [r.ip, r.destinations, r.ports])).toEqual([['10.77.0.9', 256, [445]]]);
  });

  it('host: one exporter’s log of the address, every exporter’s totals listed', async () => {
    const log = await hostLog(
      store,
      indicesOf(config.elasticsearch.namespace).flows,
      '10.77.0.5',
      parseRange('2026-11-21 22:00', '2026-11-21 23:00'),
    );
    expect(log.bytes_out).toBe(20_105_580);
    expect(log.observers.map((o) => o.observer).sort()).toEqual(Object.values(EXPORTERS).sort());
    expect(log.services_used.map((s) => s.port)).toContain(5201);
    // Its ports that others opened: the incoming sweep's two, never its own upload's ephemeral port.
    expect(log.accessed_by.flatMap((c) => c.ports).sort((a, b) => a - b)).toEqual([22, 3389]);
  });
});
