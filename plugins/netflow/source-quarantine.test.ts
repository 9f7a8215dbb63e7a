import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';
import type { DeadLetterEntry, PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import {
  CRASH_DATAGRAM,
  CRASH_EXIT_CODE,
  startCrashingDecodeWorker,
} from '../../test/support/netflow/crashing-decode-worker.js';
import { LAB_FLOWS, pcapPayloads } from '../../test/support/netflow/fixtures.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import { createNetflowSource, type NetflowSourceOptions } from './source.js';
import { netflowSample } from './source-stats.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(20);
}

/** A pipeline stand-in; with `writeGate`, nothing is written before it opens (slow outputs). */
function context(signal: AbortSignal, writeGate?: Promise<void>) {
  const written: PipelineRecord[] = [];
  const deadLetters: DeadLetterEntry[] = [];
  const logLines: Array<{ level: number; msg: string; journal?: string }> = [];
  const ctx: SourceContext = {
    logger: pino({ level: 'warn' }, { write: (line: string) => logLines.push(JSON.parse(line)) }),
    signal,
    counters: { recordsIn: () => {}, recordsFailed: () => {}, repaired: () => {} },
    emit: async (records, onWritten) => {
      const write = () => {
        written.push(...records);
        onWritten?.();
      };
      if (writeGate) void writeGate.then(write);
      else write();
    },
    deadLetter: (entry) => deadLetters.push(entry),
  };
  return { ctx, written, deadLetters, logLines };
}

const quarantineOf = (dir: string): Array<{ seq: number; offset: number }> =>
  JSON.parse(readFileSync(join(dir, 'quarantine.json'), 'utf8'));

const described = (p: { seq: number; offset: number }) => `${String(p.seq).padStart(12, '0')}:${p.offset}`;

/** Sends `datagrams` in order from one socket; returns the exporter (ip:port) they came from. */
async function send(port: number, datagrams: Buffer[]): Promise<string> {
  const sender = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  for (const datagram of datagrams) {
    await new Promise<void>((resolve, reject) =>
      sender.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
    );
    await new Promise((resolve) => setImmediate(resolve));
  }
  const exporter = `127.0.0.1:${sender.address().port}`;
  sender.close();
  return exporter;
}

function start(options: NetflowSourceOptions) {
  let listening: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => {
    listening = resolve;
  });
  const source = createNetflowSource(
    { host: '127.0.0.1', port: 0, batchSize: 1, ...options, onListening: (a) => listening(a.port) },
    { localNetworks: new LocalNetworks([]) },
  );
  return { source, port };
}

describeNeeding(fixturesMissing())('a decode worker that dies on a batch', () => {
  const newJournal = () => ({
    dir: mkdtempSync(join(tmpdir(), 'flowtrail-quarantine-')),
    maxBytes: 64 * 1024 * 1024,
  });
  const lab = () => pcapPayloads(join(LAB_FLOWS, 'softflowd-v9.pcap')).map((p) => p.data);

  it('is replaced while the source runs: the batch is quarantined and skipped, every other flow written', async () => {
    const journal = newJournal();
    const flows = lab();
    const controller = new AbortController();
    const run = context(controller.signal);
    const { source, port } = start({ journal, startDecodeWorker: startCrashingDecodeWorker });
    const running = source.run(run.ctx);
    // Before a template datagram (see below), so that the new worker decodes everything after it at once.
    const exporter = await send(await port, [...flows.slice(0, 48), CRASH_DATAGRAM, ...flows.slice(48)]);
    await until(() => run.written.length >= 2900, 20_000);
    await sleep(200);
    const stats = source.stats();
    controller.abort();
    await running;
    expect(new Set(run.written.map((r) => r.id)).size).toBe(2900);
    const [quarantined] = quarantineOf(journal.dir);
    const position = described(quarantined);
    expect(stats.failedPackets).toEqual({ [exporter]: { quarantined: 1 } });
    const metrics = new Metrics();
    metrics.netflow = () => netflowSample(stats);
    expect(await metrics.registry.metrics()).toContain(
      `flowtrail_netflow_failed_packets_total{exporter="${exporter}",reason="quarantined"} 1`,
    );
    expect(run.deadLetters).toEqual([
      {
        plugin: 'netflow',
        origin: exporter,
        reason: `netflow: quarantined: a decode worker died on the batch at journal ${position}`,
        raw: CRASH_DATAGRAM.toString('base64'),
      },
    ]);
    expect(run.logLines.map((l) => [l.msg, l.journal])).toEqual([
      [expect.stringMatching(/decode worker died.*a new worker goes on/), position],
      [expect.stringMatching(/skipping a batch/), position],
    ]);
  }, 60_000);

  it('that dies too often ends the run; the next start skips the batch and decodes the rest', async () => {
    const journal = newJournal();
    const flows = lab();
    // Each crash datagram comes before one of softflowd's template datagrams (every 16th), so that the worker
    // started in place of a dead one learns the templates at once: data sets waiting for their template die with
    // the worker that held them.
    const sent = [
      ...flows.slice(0, 16),
      CRASH_DATAGRAM,
      ...flows.slice(16, 32),
      CRASH_DATAGRAM,
      ...flows.slice(32, 48),
      CRASH_DATAGRAM,
      ...flows.slice(48, 64),
      CRASH_DATAGRAM,
      ...flows.slice(64),
    ];
    // The outputs write nothing at first, so decoding stops after a few batches and everything sent waits in the
    // journal; then they write, decoding goes on, and the worker dies on each crash datagram: the fourth death
    // within a minute ends the run.
    let openWrites: () => void = () => {};
    const writeGate = new Promise<void>((resolve) => {
      openWrites = resolve;
    });
    const first = context(new AbortController().signal, writeGate);
    const dying = start({ journal, maxUnwrittenDocs: 100, startDecodeWorker: startCrashingDecodeWorker });
    const running = dying.source.run(first.ctx);
    const exporter = await send(await dying.port, sent);
    await until(() => dying.source.stats().journaledPackets === sent.length, 10_000);
    expect(dying.source.stats().journaledPackets).toBe(sent.length);
    openWrites();
    await expect(running).rejects.toThrow(`netflow: decode worker exited (code ${CRASH_EXIT_CODE})`);
    const positions = quarantineOf(journal.dir).map(described);
    expect(positions).toHaveLength(4);
    expect(dying.source.stats().failedPackets).toEqual({ [exporter]: { quarantined: 3 } });
    expect(
      first.logLines.filter((l) => /^netflow: the decode worker died/.test(l.msg)).map((l) => l.journal),
    ).toEqual(positions);

    // The next start, with a worker that would die on the crash datagram again: it never gets the fourth, which
    // is skipped, counted and dead-lettered once.
    const controller = new AbortController();
    const second = context(controller.signal);
    const restarted = start({ journal, startDecodeWorker: startCrashingDecodeWorker });
    const runningAgain = restarted.source.run(second.ctx);
    const ids = () => new Set([...first.written, ...second.written].map((r) => r.id));
    await until(() => ids().size >= 2900, 20_000);
    await sleep(200);
    const stats = restarted.source.stats();
    controller.abort();
    await runningAgain;
    expect(ids().size).toBe(2900);
    expect(stats.failedPackets).toEqual({ [exporter]: { quarantined: 1 } });
    expect(second.deadLetters).toEqual([
      {
        plugin: 'netflow',
        origin: exporter,
        reason: `netflow: quarantined: a decode worker died on the batch at journal ${positions[3]}`,
        raw: CRASH_DATAGRAM.toString('base64'),
      },
    ]);
    expect(second.logLines.filter((l) => /skipping a batch/.test(l.msg)).map((l) => l.journal)).toEqual([
      positions[3],
    ]);

    // The quarantined batches are behind the written position now: a third start neither reads nor mentions them.
    const third = context(AbortSignal.timeout(500));
    await start({ journal }).source.run(third.ctx);
    expect(third.written).toEqual([]);
    expect(third.logLines).toEqual([]);
    expect(quarantineOf(journal.dir)).toEqual([]);
  }, 60_000);
});
