import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { pacedSender } from '../../bench/sender/build.js';
import { buildPlan, encodePlan } from '../../bench/sender/plan.js';
import { exportStreams } from '../../bench/sender/streams.js';
import { exited } from '../support/cli.js';
import { setUpCollector, startCollector } from '../support/collector.js';
import { countDocs, testClient } from '../support/es.js';
import { FIXTURES } from '../support/fixtures.js';
import { describeNeeding, fixturesMissing, toolsMissing } from '../support/requirements.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LOOPS = 3;

/**
 * The benchmark's sender must give a collector new flows on every loop: with the sequence numbers of the capture
 * repeated, documents (keyed by exporter, sequence and record) would overwrite those of the loop before.
 */
describeNeeding(fixturesMissing() ?? toolsMissing('cc'))('the paced benchmark sender', () => {
  const es = testClient();
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await es.close();
  });

  it('sends every loop as new flows from an address per exporter: the collector indexes each loop in full', async () => {
    // The lab's softflowd IPFIX and pmacct v9 exports, their first 40 datagrams each (templates first): a loop of a
    // few thousand flows that the test node indexes quickly.
    const streams = exportStreams(FIXTURES)
      .filter((s) => s.name === 'lab/softflowd-ipfix' || s.name === 'lab/pmacct-v9')
      .map((s) => ({ ...s, payloads: s.payloads.slice(0, 40) }));
    // A ring a little larger than one round of them: a loop then holds two rounds, the second with its sequence
    // numbers moved on already in the plan.
    const plan = buildPlan(streams, 100_000);
    expect(plan.rounds).toBe(2);
    const file = join(mkdtempSync(join(tmpdir(), 'flowtrail-plan-')), 'plan.bin');
    writeFileSync(file, encodePlan(plan));
    const perLoop = plan.datagrams.reduce((n, d) => n + d.laterLoopRecords, 0);
    expect(perLoop).toBeGreaterThan(500);

    const { config, index, netflowPort } = await setUpCollector('paced', { esUrl: inject('esUrl') });
    const started = await startCollector(config);
    child = started.child;
    const report = JSON.parse(
      execFileSync(pacedSender(), [
        file,
        '127.0.0.1',
        String(netflowPort),
        '2000',
        '0',
        String(LOOPS * plan.datagrams.length),
      ]).toString(),
    ) as { packets: number; records: number; loops: number };
    expect(report).toMatchObject({ packets: LOOPS * plan.datagrams.length, loops: LOOPS - 1 });
    expect(report.records).toBe(LOOPS * perLoop);

    const deadline = Date.now() + 120_000;
    while ((await countDocs(es, index).catch(() => 0)) < report.records && Date.now() < deadline)
      await sleep(250);
    await sleep(1000);
    expect(await countDocs(es, index)).toBe(report.records);
    const { body } = await es.search({
      index,
      size: 0,
      body: { aggs: { exporters: { terms: { field: 'observer.ip', size: 10 } } } },
    });
    const buckets = (body.aggregations.exporters as { buckets: Array<{ key: string }> }).buckets;
    expect(buckets.map((b) => b.key).sort()).toEqual(['127.0.0.10', '127.0.0.11']);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });
});
