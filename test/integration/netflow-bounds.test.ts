import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { exited } from '../support/cli.js';
import { setUpCollector, startCollector } from '../support/collector.js';
import { countDocs, testClient } from '../support/es.js';
import { dataSet, FLOW_FIELDS, flowRecord, ipfixMessage, templateSet } from '../support/netflow/ipfix.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SPOOFED = 20_000;
const RECORDS_PER_DATAGRAM = 20;
const TEMPLATE = templateSet([{ id: 256, fields: FLOW_FIELDS }]);

/** Datagrams of a real exporter: `count` distinct flows, 20 a datagram, the template in each when `withTemplate`. */
function exporterDatagrams(first: number, count: number, withTemplate: boolean): Buffer[] {
  const now = Date.now();
  const datagrams: Buffer[] = [];
  for (let i = 0; i < count; i += RECORDS_PER_DATAGRAM) {
    const records = [];
    for (let j = i; j < Math.min(count, i + RECORDS_PER_DATAGRAM); j++) {
      const n = first + j;
      records.push(
        flowRecord({
          source: `10.60.${(n >> 8) & 255}.${n & 255}`,
          destination: '10.61.0.1',
          sourcePort: 20_000 + (n % 40_000),
          destinationPort: 443,
          protocol: 6,
          bytes: 1000 + n,
          packets: 2,
          start: now - 3000,
          end: now - 1000,
        }),
      );
    }
    const sets = withTemplate ? [TEMPLATE, dataSet(256, records)] : [dataSet(256, records)];
    datagrams.push(ipfixMessage(1, first + i, now, sets));
  }
  return datagrams;
}

async function sendPaced(socket: dgram.Socket, datagrams: Buffer[], port: number): Promise<void> {
  for (const datagram of datagrams) {
    await new Promise<void>((resolve, reject) =>
      socket.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
    await sleep(2);
  }
}

/** One datagram from each of `count` source ports of 127.0.0.1: every one a new exporter to the collector. */
async function flood(count: number, port: number): Promise<number> {
  const dataOnly = ipfixMessage(7, 0, Date.now(), [
    dataSet(256, [
      flowRecord({
        source: '10.9.9.9',
        destination: '10.9.9.8',
        sourcePort: 1,
        destinationPort: 2,
        protocol: 17,
        bytes: 1,
        packets: 1,
        start: 0,
        end: 0,
      }),
    ]),
  ]);
  const templateOnly = ipfixMessage(7, 0, Date.now(), [TEMPLATE]);
  let sent = 0;
  let next = 20_000;
  const one = async (): Promise<void> => {
    while (sent < count && next < 60_000) {
      const sourcePort = next++;
      const socket = dgram.createSocket('udp4');
      const bound = await new Promise<boolean>((resolve) => {
        socket.once('error', () => resolve(false));
        socket.bind(sourcePort, '127.0.0.1', () => resolve(true));
      });
      if (bound && sent < count) {
        const payload = sent % 2 === 0 ? dataOnly : templateOnly;
        sent++;
        await new Promise<void>((resolve) => socket.send(payload, port, '127.0.0.1', () => resolve()));
      }
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
  };
  await Promise.all(Array.from({ length: 50 }, one));
  return sent;
}

describe('a flood of spoofed exporters', () => {
  const es = testClient();
  let child: ChildProcess | undefined;
  afterAll(async () => {
    child?.kill('SIGKILL');
    await es.close();
  });

  it('locks no exporter out: every flow of the real ones is indexed, /metrics and the log stay bounded', async () => {
    const { config, dataDir, index, netflowPort } = await setUpCollector('bounds', {
      esUrl: inject('esUrl'),
    });
    const started = await startCollector(config);
    child = started.child;
    const metricsUrl = started.metricsUrl;
    expect(metricsUrl).toBeDefined();
    const scrape = async () => (await fetch(metricsUrl as string)).text();
    const value = (text: string, line: string) =>
      Number(
        text
          .split('\n')
          .find((l) => l.startsWith(`${line} `))
          ?.split(' ')[1] ?? Number.NaN,
      );

    // An exporter already decoding, then the flood, then it goes on and a new exporter starts.
    const early = dgram.createSocket('udp4');
    const late = dgram.createSocket('udp4');
    await sendPaced(early, exporterDatagrams(0, 1000, true), netflowPort);
    expect(await flood(SPOOFED, netflowPort)).toBe(SPOOFED);
    let metrics = '';
    const settle = Date.now() + 30_000;
    let last = -1;
    // Until the flood is decoded: the exporter table went full and its counters stopped moving.
    while (Date.now() < settle) {
      metrics = await scrape();
      const evicted = value(metrics, 'flowtrail_netflow_evicted_exporters_total');
      if (evicted > 0 && evicted === last) break;
      last = evicted;
      await sleep(500);
    }
    const evicted = value(metrics, 'flowtrail_netflow_evicted_exporters_total');
    // The table (10,000 by default) filled, and the datagrams beyond it displaced idle spoofed exporters.
    expect(evicted).toBeGreaterThan(5000);
    expect(value(metrics, 'flowtrail_netflow_exporters')).toBe(10_000);
    await sendPaced(early, exporterDatagrams(1000, 1000, false), netflowPort);
    await sendPaced(late, exporterDatagrams(2000, 1000, true), netflowPort);
    const ports = [early, late].map((s) => s.address().port).sort();
    early.close();
    late.close();

    const deadline = Date.now() + 60_000;
    while ((await countDocs(es, index).catch(() => 0)) < 3000 && Date.now() < deadline) await sleep(300);
    await sleep(1000);
    expect(await countDocs(es, index)).toBe(3000);

    metrics = await scrape();
    const labels = new Set(
      metrics
        .split('\n')
        .filter((l) => l.startsWith('flowtrail_netflow_'))
        .map((l) => l.match(/exporter="([^"]+)"/)?.[1])
        .filter((label) => label !== undefined),
    );
    // 50 named exporters and "other", however many sent.
    expect(labels.size).toBeLessThanOrEqual(51);
    expect(labels.has('other')).toBe(true);
    expect(value(metrics, 'flowtrail_netflow_refused_exporter_packets_total')).toBe(0);
    const warnings = started.output().match(/exporter table full[^"]*/g) ?? [];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('inputs.netflow.limits.max_exporters = 10000');
    expect(warnings[0]).toContain('inputs.netflow.allowed_exporters');

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // Spoofed exporters holding nothing are not saved for the next run; those that sent a template are, as
    // unproven: the first to give up their slot again.
    const saved = JSON.parse(readFileSync(join(dataDir, 'netflow', 'templates.json'), 'utf8'));
    const proven = saved.exporters.filter((e: { proven?: boolean }) => e.proven);
    expect(proven.map((e: { port: number }) => e.port).sort()).toEqual(ports);
    expect(saved.exporters.length).toBeLessThanOrEqual(10_000);
  }, 240_000);
});
