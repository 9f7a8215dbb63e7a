import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { decodePayloads } from '../../plugins/netflow/offline.js';
import { BIN, exited } from '../support/cli.js';
import { setUpCollector, startCollector } from '../support/collector.js';
import type { TestClient } from '../support/es.js';
import { testClient } from '../support/es.js';
import { exportCorpus, LAB_FLOWS, pcapPayloads } from '../support/netflow/fixtures.js';
import { hostileDatagram } from '../support/netflow/hostile.js';
import { seededIntegers } from '../support/random.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SEED = 0x5eed1e55;
const HOSTILE = 500_000;
/** Hostile sockets open at once; one of them is replaced by a new one (a new exporter) every `ROTATE` datagrams. */
const SOCKETS = 16;
const ROTATE = 256;
/** Asked of the sender: well within what the receiving thread reads, so that the decoder gets the load. */
const RATE = 20_000;
const BATCH = 500;
/** Peak RSS (VmHWM) of the collector's process allowed, as the README states it. */
const RSS_BOUND = 768 * 1024 * 1024;

/** The node flags on the `#!` line of bin/flowtrail.js, which spawning node on it directly would leave out. */
const CLI_V8_FLAGS = readFileSync(BIN, 'utf8')
  .split('\n')[0]
  ?.split(/\s+/)
  .filter((word) => word.startsWith('--'))
  .join(' ');

function boundSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket)));
}

/**
 * Only the lab's first datagrams: damaged exports still decode to some 80,000 flows, every one written before the
 * lab's last datagrams are decoded, and more would make the test wait on Elasticsearch rather than on the collector.
 */
const LAB_DATAGRAMS = 3;

/** A lab export sent whole, in five parts, by an exporter of its own: one before the flood, three in it, one after. */
class LabExporter {
  readonly flows: number;
  /** `flowtrail.observer` of its documents. */
  readonly observer: string;
  private readonly parts: Buffer[][];
  private next = 0;

  constructor(
    readonly name: string,
    private readonly socket: dgram.Socket,
    private readonly port: number,
  ) {
    this.observer = `127.0.0.1:${socket.address().port}`;
    const payloads = pcapPayloads(join(LAB_FLOWS, `${name}.pcap`));
    // What the collector must index: the flows of decoding the same datagrams offline, in the same order.
    this.flows = decodePayloads(payloads).flows.length;
    const size = Math.ceil(payloads.length / 5);
    this.parts = Array.from({ length: 5 }, (_, i) =>
      payloads.slice(i * size, (i + 1) * size).map((p) => p.data),
    );
  }

  async sendPart(): Promise<void> {
    for (const datagram of this.parts[this.next++] ?? []) {
      await new Promise<void>((resolve, reject) =>
        this.socket.send(datagram, this.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
      await sleep(1);
    }
  }

  close(): void {
    this.socket.close();
  }
}

interface Flood {
  sent: number;
  bytes: number;
  exporters: number;
  sendErrors: number;
  seconds: number;
}

/**
 * `HOSTILE` datagrams from `SOCKETS` sockets at a time, replaced one by one, at about `RATE` a second; `between`
 * runs at each quarter, the flood paused.
 */
async function flood(port: number, between: () => Promise<void>): Promise<Flood> {
  const random = seededIntegers(SEED);
  const base = exportCorpus(LAB_DATAGRAMS);
  const sockets = await Promise.all(Array.from({ length: SOCKETS }, boundSocket));
  const outstanding = new Map<dgram.Socket, number>(sockets.map((s) => [s, 0]));
  const retired = new Set<dgram.Socket>();
  const result: Flood = { sent: 0, bytes: 0, exporters: SOCKETS, sendErrors: 0, seconds: 0 };
  const closeIfDone = (socket: dgram.Socket) => {
    if (retired.has(socket) && outstanding.get(socket) === 0) {
      retired.delete(socket);
      outstanding.delete(socket);
      socket.close();
    }
  };
  let pausedMs = 0;
  const started = Date.now();
  for (let quarter = 1; quarter <= 4; quarter++) {
    while (result.sent < (HOSTILE * quarter) / 4) {
      for (let i = 0; i < BATCH && result.sent < HOSTILE; i++) {
        if (result.sent % ROTATE === ROTATE - 1) {
          const slot = random(SOCKETS);
          const old = sockets[slot] as dgram.Socket;
          const fresh = await boundSocket();
          outstanding.set(fresh, 0);
          sockets[slot] = fresh;
          result.exporters++;
          retired.add(old);
          closeIfDone(old);
        }
        const socket = sockets[random(SOCKETS)] as dgram.Socket;
        const data = hostileDatagram(random, base);
        outstanding.set(socket, (outstanding.get(socket) ?? 0) + 1);
        socket.send(data, port, '127.0.0.1', (err) => {
          if (err) result.sendErrors++;
          outstanding.set(socket, (outstanding.get(socket) ?? 1) - 1);
          closeIfDone(socket);
        });
        result.sent++;
        result.bytes += data.length;
      }
      const ahead = (result.sent / RATE) * 1000 - (Date.now() - started - pausedMs);
      await (ahead > 0 ? sleep(ahead) : new Promise((resolve) => setImmediate(resolve)));
    }
    const pause = Date.now();
    // The kernel's buffer drained first: the lab's datagrams are to be decoded between hostile ones, not dropped.
    if (quarter < 4) {
      await sleep(200);
      await between();
    }
    pausedMs += Date.now() - pause;
  }
  result.seconds = (Date.now() - started - pausedMs) / 1000;
  while ([...outstanding.values()].some((n) => n > 0)) await sleep(20);
  for (const socket of outstanding.keys()) socket.close();
  return result;
}

async function countObserver(es: TestClient, index: string, observer: string): Promise<number> {
  await es.indices.refresh({ index });
  const { body } = await es.count({ index, body: { query: { term: { 'flowtrail.observer': observer } } } });
  return (body as { count: number }).count;
}

/** The sum of a metric's series (all exporters, "other" included). */
function total(metrics: string, name: string): number {
  return metrics
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

function peakRss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return Number(line?.[1]) * 1024;
}

describeNeeding(fixturesMissing())('flowtrail collect under a flood of hostile datagrams', () => {
  const es = testClient();
  let root: string | undefined;
  let child: ChildProcess | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await es.close();
    // The journal keeps what was not written yet when the collector stopped: a few hundred MB of the flood.
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it(`stays up and bounded, and indexes every flow of the real exporters in between (seed ${SEED.toString(16)})`, async () => {
    const began = Date.now();
    const collector = await setUpCollector('hostile', {
      esUrl: inject('esUrl'),
      bulk: 'max_docs: 5000, concurrency: 4',
    });
    root = collector.root;
    const { config, index, netflowPort } = collector;
    const nodeOptions = [process.env.NODE_OPTIONS, CLI_V8_FLAGS].filter(Boolean).join(' ');
    const started = await startCollector(config, { NODE_OPTIONS: nodeOptions });
    child = started.child;
    const pid = child.pid as number;
    // The node process itself, not a shell around it: its peak RSS is the collector's, workers included.
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain(BIN);
    const metricsUrl = started.metricsUrl as string;
    expect(metricsUrl).toBeDefined();
    const scrape = async () => (await fetch(metricsUrl)).text();

    const labs = [
      new LabExporter('softflowd-v9', await boundSocket(), netflowPort),
      new LabExporter('pmacct-ipfix', await boundSocket(), netflowPort),
    ];
    const sendParts = async () => {
      for (const lab of labs) await lab.sendPart();
    };
    await sendParts();
    const sent = await flood(netflowPort, sendParts);
    await sleep(200);
    await sendParts();
    for (const lab of labs) lab.close();

    const counts = async () =>
      Promise.all(labs.map((lab) => countObserver(es, index, lab.observer).catch(() => 0)));
    // The flood's own flows (some 80,000 of damaged real exports) are written first, at Elasticsearch's pace.
    const deadline = Date.now() + 170_000;
    let indexed = await counts();
    while (indexed.some((n, i) => n < (labs[i] as LabExporter).flows) && Date.now() < deadline) {
      await sleep(1000);
      indexed = await counts();
    }
    // Anything indexed twice would show up by now.
    await sleep(1000);
    indexed = await counts();
    const metrics = await scrape();
    const figures = {
      seed: SEED.toString(16),
      sent: sent.sent,
      megabytes: Math.round(sent.bytes / 1e6),
      exporters: sent.exporters,
      rate: Math.round(sent.sent / sent.seconds),
      sendErrors: sent.sendErrors,
      received: total(metrics, 'flowtrail_netflow_journaled_packets_total'),
      decoded: total(metrics, 'flowtrail_netflow_packets_total'),
      kernelDrops: total(metrics, 'flowtrail_netflow_kernel_drops_total'),
      journalDrops: total(metrics, 'flowtrail_netflow_journal_dropped_packets_total'),
      malformed: total(metrics, 'flowtrail_netflow_malformed_packets_total'),
      failed: total(metrics, 'flowtrail_netflow_failed_packets_total'),
      records: total(metrics, 'flowtrail_netflow_records_total'),
      limitHits: Object.fromEntries(
        metrics
          .split('\n')
          .filter((line) => line.startsWith('flowtrail_netflow_limit_hits_total{'))
          .map((line) => [line.match(/limit="([^"]+)"/)?.[1], Number(line.slice(line.lastIndexOf(' ') + 1))]),
      ),
      peakRssMiB: Math.round(peakRss(pid) / 2 ** 20),
      seconds: Math.round((Date.now() - began) / 1000),
    };
    console.log('netflow-hostile', JSON.stringify(figures));
    const context = JSON.stringify(figures);

    expect(child.exitCode, context).toBeNull();
    expect(child.signalCode, context).toBeNull();
    expect(indexed, context).toEqual(labs.map((lab) => lab.flows));
    expect(peakRss(pid), context).toBeLessThan(RSS_BOUND);
    // The flood reached the decoder and was rejected there, not lost on the way.
    expect(figures.received, context).toBeGreaterThan(HOSTILE * 0.9);
    expect(figures.decoded, context).toBe(figures.received);
    expect(figures.malformed, context).toBeGreaterThan(HOSTILE * 0.3);
    expect(figures.failed, context).toBe(0);
    expect(started.output(), context).not.toMatch(/quarantin/i);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  }, 300_000);
});
