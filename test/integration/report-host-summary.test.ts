import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { search } from '../../src/correlate/es.js';
import { HOST_SUMMARY_DATASET, rollUpHostSummaries } from '../../src/reports/host-summary.js';
import { initiatorOf } from '../../src/schema/roles.js';
import { searchPattern } from '../../src/store/naming.js';
import { exited, startCli } from '../support/cli.js';
import { countDocs, quietLogger, testClient } from '../support/es.js';
import { configFile, loadLab } from '../support/lab.js';
import { nfdumpFlows } from '../support/nfdump-csv.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const client = testClient();

const store = elasticsearchStore(client);
const PROBE = 'softflowd-ipfix';
let reference: ReturnType<typeof nfdumpFlows>;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
let config: FlowtrailConfig;

type SummaryDoc = { host: { ip: string }; flowtrail: { summary: Record<string, number | string> } };

async function rollUp(c: FlowtrailConfig, now: number): Promise<number> {
  const { pipeline } = createRuntime(c, client, quietLogger);
  await pipeline.start();
  const written = await rollUpHostSummaries(store, c, (records) => pipeline.emit('test', records), now);
  await pipeline.finish();
  return written;
}

describeNeeding(fixturesMissing())('host summaries', () => {
  beforeAll(async () => {
    reference = nfdumpFlows(PROBE);
    config = await loadLab(client, {
      exports: [PROBE],
      alerts: false,
      config: { host_summaries: { lookback: '1h' } },
    });
  });
  afterAll(() => client.close());

  it('roll up each local host per interval once, in the totals nfdump has for the same flows', async () => {
    const now = Date.parse('2026-11-21T22:30:00Z');
    const written = await rollUp(config, now);
    const index = searchPattern(HOST_SUMMARY_DATASET, config.elasticsearch.namespace);
    expect(await countDocs(client, index)).toBe(written);
    // Every local address the address scan touched has a summary, in the one 5-minute interval of the capture.
    expect(written).toBe(
      new Set(reference.flatMap((f) => [f.sa, f.da]).filter((ip) => ip.startsWith('10.77.0.'))).size,
    );
    const docs = await search<SummaryDoc>(store, index, {
      size: 1000,
      query: { term: { 'host.ip': '10.77.0.5' } },
    });
    expect(docs.hits.hits).toHaveLength(1);
    const s = docs.hits.hits[0]._source.flowtrail.summary;
    // nfdump's flows by who opened them (src/schema/roles.ts): the server's ports of a host's conversations.
    const roles = reference
      .filter((f) => f.pr === 'tcp' || f.pr === 'udp')
      .map((f) => {
        const opener = initiatorOf({
          protocol: f.pr === 'tcp' ? 6 : 17,
          sourcePort: f.sp,
          destinationPort: f.dp,
          tcpFlags: f.pr === 'tcp' ? f.flags : undefined,
        });
        return opener === 'source'
          ? { client: f.sa, server: f.da, port: f.dp }
          : { client: f.da, server: f.sa, port: f.sp };
      });
    const served = (ip: string) => roles.filter((r) => r.server === ip).map((r) => r.port);
    const used = (ip: string) => roles.filter((r) => r.client === ip).map((r) => r.port);
    const out = reference.filter((f) => f.sa === '10.77.0.5');
    const inbound = reference.filter((f) => f.da === '10.77.0.5');
    expect(s).toMatchObject({
      interval_start: '2026-11-21T22:05:00.000Z',
      interval_end: '2026-11-21T22:10:00.000Z',
      bytes_out_external: sum(out.map((f) => f.bytes)),
      bytes_in_external: sum(inbound.map((f) => f.bytes)),
      bytes_out_internal: 0,
      packets_out: sum(out.map((f) => f.packets)),
      flows_in: inbound.length,
      peers_contacted: new Set(out.map((f) => f.da)).size,
      ports_accessed: new Set(served('10.77.0.5')).size,
      ports_contacted: new Set(used('10.77.0.5')).size,
    });
    // Its own services: none but the two ports the incoming sweep probed; the upload's server port is the sink's.
    expect(new Set(served('10.77.0.5'))).toEqual(new Set([22, 3389]));
    expect(used('10.77.0.5')).toContain(5201);
    // Nothing new is due: a second rollup writes nothing.
    expect(await rollUp(config, now + 60_000)).toBe(0);
    expect(await countDocs(client, index)).toBe(written);
  });

  it('`flowtrail detect --follow` keeps the summaries up to date', async () => {
    const fresh = await loadLab(client, { exports: [PROBE], alerts: false });
    const index = searchPattern(HOST_SUMMARY_DATASET, fresh.elasticsearch.namespace);
    const { child } = await startCli(
      ['detect', '--follow', '-c', configFile(fresh, 'host_summaries:\n  lookback: 3650d\n')],
      /host summaries rolled up/,
      { FLOWTRAIL_ES_URL: fresh.elasticsearch.url!, FLOWTRAIL_LOG_LEVEL: 'info' },
    );
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // The pipeline wrote what it rolled up before the process exited: one summary per local address seen.
    expect(await countDocs(client, index)).toBe(
      new Set(reference.flatMap((f) => [f.sa, f.da]).filter((ip) => ip.startsWith('10.77.0.'))).size,
    );
  });
});
