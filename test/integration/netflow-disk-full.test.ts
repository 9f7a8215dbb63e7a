import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readdirSync, statfsSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { exited, startCli } from '../support/cli.js';
import { setUpCollector } from '../support/collector.js';
import { countDocs, testClient } from '../support/es.js';
import { netflowV5Flows } from '../support/netflow/v5.js';
import { Relay } from '../support/relay.js';
import { describeNeeding } from '../support/requirements.js';
import { type SmallDisk, smallDisk } from '../support/tmpfs.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const DATAGRAMS = 4000;
const FLOWS_PER_DATAGRAM = 10;
/** Holds about half of what is sent (528 bytes a datagram in the journal), so that the rest finds it full. */
const DISK_BYTES = 1024 * 1024;

function freeTcpPort(): Promise<number> {
  const server = net.createServer();
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}

/** Datagram `i`: ten TCP flows, each from an address of its own, so that every flow is a document of its own. */
function datagram(now: number, i: number): Buffer {
  const flows = Array.from({ length: FLOWS_PER_DATAGRAM }, (_, j) => {
    const k = i * FLOWS_PER_DATAGRAM + j;
    return {
      source: [10, (k >> 16) & 255, (k >> 8) & 255, k & 255] as [number, number, number, number],
      destination: [203, 0, 113, 80] as [number, number, number, number],
      sourcePort: 1024 + (k % 50_000),
      destinationPort: 443,
    };
  });
  return netflowV5Flows(now, flows, i * FLOWS_PER_DATAGRAM + 1);
}

/** The sum over its label values of a metric scraped from `/metrics`. */
async function scrape(port: number): Promise<(name: string) => number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return (name) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

const segments = (dir: string) =>
  readdirSync(join(dir, 'netflow', 'journal')).filter((f) => f.endsWith('.batches'));

describeNeeding(
  process.getuid?.() === 0 ? undefined : 'needs root to mount a small tmpfs (test/support/tmpfs.ts)',
)('flowtrail collect with its data directory on a full disk', () => {
  const es = testClient();
  const relay = new Relay(new URL(inject('esUrl')));
  let child: ChildProcess | undefined;
  let disk: SmallDisk | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    if (child) await exited(child);
    await relay.down();
    await es.close();
    disk?.unmount();
  });

  it('drops and counts what the disk cannot hold, stops and restarts on it, then writes every other flow once', async () => {
    const mounted = smallDisk(DISK_BYTES);
    if (!('dir' in mounted)) throw new Error(mounted.unavailable);
    disk = mounted;
    const metricsPort = await freeTcpPort();
    await relay.up();
    const { root, config, index, netflowPort } = await setUpCollector('diskfull', {
      esUrl: `http://127.0.0.1:${relay.port}`,
      bulk: 'max_docs: 1000',
      dataDir: disk.dir,
      metrics: `{ host: 127.0.0.1, port: ${metricsPort}, summary_interval: 0 }`,
      // No floor: the journal writes until the file system itself says ENOSPC.
      netflow: 'journal: { min_free_bytes: 0b }',
    });
    let output: () => string = () => '';
    const start = async () => {
      const started = await startCli(['collect', '--config', config], /"collecting"/);
      child = started.child;
      output = started.output;
    };
    await start();
    await relay.down();

    const now = Date.now();
    const sender = dgram.createSocket('udp4');
    for (let i = 0; i < DATAGRAMS; i++) {
      await new Promise<void>((resolve, reject) =>
        sender.send(datagram(now, i), netflowPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
      if (i % 20 === 19) await sleep(2);
    }
    sender.close();
    // Settled once every datagram is journaled or dropped and the counts hold still: a batch accepted by the
    // journal and lost by the write after counts first as journaled, then as dropped.
    const counts = (metric: (name: string) => number) =>
      [
        'flowtrail_netflow_journaled_packets_total',
        'flowtrail_netflow_queue_overflow_packets_total',
        'flowtrail_netflow_kernel_drops_total',
      ].map(metric);
    let metric = await scrape(metricsPort);
    let previous: number[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const now = counts(metric);
      if (now.reduce((a, b) => a + b) === DATAGRAMS && now.join() === previous.join()) break;
      previous = now;
      await sleep(1000);
      metric = await scrape(metricsPort);
    }
    expect(counts(metric).reduce((a, b) => a + b)).toBe(DATAGRAMS);
    const dropped =
      metric('flowtrail_netflow_queue_overflow_packets_total') +
      metric('flowtrail_netflow_kernel_drops_total');
    const journaled = metric('flowtrail_netflow_journaled_packets_total');
    console.log(
      `disk full: ${journaled} datagrams journaled, ${dropped} dropped, ` +
        `${metric('flowtrail_netflow_journal_dropped_packets_total')} of them by the journal, ` +
        `${metric('flowtrail_netflow_kernel_drops_total')} by the kernel`,
    );
    expect(metric('flowtrail_netflow_journal_dropped_packets_total')).toBeGreaterThan(DATAGRAMS / 4);
    // A few segment files at most, however many writes failed.
    expect(segments(disk.dir).length).toBeLessThanOrEqual(2);
    const stats = statfsSync(disk.dir);
    expect(stats.bavail * stats.bsize).toBeLessThan(64 * 1024);

    // Stopped on the full disk: what could not be written stays in the journal, and the exit is clean.
    child!.kill('SIGTERM');
    expect(await exited(child!)).toBe(0);
    writeFileSync(join(root, 'first-run.log'), output());
    // The journal held back what the pipeline could not take: the pipeline's queue dropped nothing.
    expect(metric('flowtrail_records_dropped_total')).toBe(0);

    // Started again on the full disk, Elasticsearch still away: it stays up.
    await start();
    await sleep(5000);
    expect(child!.exitCode).toBeNull();
    expect(output()).not.toMatch(/Unterminated string|uncaught/i);
    expect(segments(disk.dir).length).toBeLessThanOrEqual(3);

    // Elasticsearch back: every flow not counted as dropped is written, once.
    await relay.up();
    const expected = (DATAGRAMS - dropped) * FLOWS_PER_DATAGRAM;
    const until = Date.now() + 180_000;
    while ((await countDocs(es, index).catch(() => 0)) < expected && Date.now() < until) await sleep(500);
    await sleep(2000);
    writeFileSync(join(root, 'second-run.log'), output());
    expect((await scrape(metricsPort))('flowtrail_records_dropped_total')).toBe(0);
    expect(await countDocs(es, index), `collector logs in ${root}`).toBe(expected);
    const { body } = await es.search({
      index,
      body: {
        size: 0,
        aggs: { twice: { terms: { field: 'source.ip', min_doc_count: 2, size: 5 } } },
      },
    });
    expect(body.aggregations.twice.buckets).toEqual([]);
    // The written segments are gone: the disk has its space back.
    const after = statfsSync(disk.dir);
    expect(after.bavail * after.bsize).toBeGreaterThan(DISK_BYTES / 2);
    child!.kill('SIGTERM');
    expect(await exited(child!)).toBe(0);
    console.log(
      `recovered: ${expected} flows written once, ${dropped * FLOWS_PER_DATAGRAM} counted as dropped`,
    );
  }, 400_000);
});
