import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
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
  it('quarantines the batch in the journal; the next start skips and counts it and decodes the rest', async () => {
    const journal = { dir: mkdtempSync(join(tmpdir(), 'flowtrail-quarantine-')), maxBytes: 64 * 1024 * 1024 };
    const lab = pcapPayloads(join(LAB_FLOWS, 'softflowd-v9.pcap')).map((p) => p.data);
    const sent = [...lab.slice(0, 40), CRASH_DATAGRAM, ...lab.slice(40)];

    // First run: the outputs write nothing at first, so decoding stops after a few batches and everything sent
    // waits in the journal; then they write, decoding goes on, and the worker dies on the crash datagram.
    let openWrites: () => void = () => {};
    const writeGate = new Promise<void>((resolve) => {
      openWrites = resolve;
    });
    const first = context(new AbortController().signal, writeGate);
    const dying = start({ journal, maxUnwrittenDocs: 100, startDecodeWorker: startCrashingDecodeWorker });
    const running = dying.source.run(first.ctx);
    const collector = await dying.port;
    const sender = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
    for (const datagram of sent) {
      await new Promise<void>((resolve, reject) =>
        sender.send(datagram, collector, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    const exporter = `127.0.0.1:${sender.address().port}`;
    sender.close();
    await until(() => dying.source.stats().journaledPackets === sent.length, 10_000);
    expect(dying.source.stats().journaledPackets).toBe(sent.length);
    // The templates learnt so far, as the collector saves them every 30 s (templates.json).
    const snapshot = await dying.source.snapshot();
    openWrites();
    await expect(running).rejects.toThrow(`netflow: decode worker exited (code ${CRASH_EXIT_CODE})`);
    const quarantined = JSON.parse(readFileSync(join(journal.dir, 'quarantine.json'), 'utf8'));
    expect(quarantined).toHaveLength(1);
    const position = `${String(quarantined[0].seq).padStart(12, '0')}:${quarantined[0].offset}`;
    expect(first.logLines.filter((l) => /decode worker died/.test(l.msg))).toEqual([
      expect.objectContaining({ journal: position }),
    ]);

    // Second run, with a worker that would die on the crash datagram again: it never gets it, which is skipped,
    // counted and dead-lettered once.
    const controller = new AbortController();
    const second = context(controller.signal);
    const restarted = start({ journal, snapshot, startDecodeWorker: startCrashingDecodeWorker });
    const runningAgain = restarted.source.run(second.ctx);
    const ids = () => new Set([...first.written, ...second.written].map((r) => r.id));
    await until(() => ids().size >= 2900, 20_000);
    await sleep(200);
    const stats = restarted.source.stats();
    controller.abort();
    await runningAgain;
    expect(stats.failedPackets).toEqual({ [exporter]: { quarantined: 1 } });
    expect(second.deadLetters).toEqual([
      {
        plugin: 'netflow',
        origin: exporter,
        reason: `netflow: quarantined: a decode worker died on the batch at journal ${position}`,
        raw: CRASH_DATAGRAM.toString('base64'),
      },
    ]);
    expect(second.logLines.filter((l) => /skipping a batch/.test(l.msg))).toEqual([
      expect.objectContaining({ journal: position }),
    ]);
    expect(ids().size).toBe(2900);

    // The quarantined batch is behind the written position now: a third start neither reads nor mentions it.
    const third = context(AbortSignal.timeout(500));
    await start({ journal, snapshot }).source.run(third.ctx);
    expect(third.written).toEqual([]);
    expect(third.logLines).toEqual([]);
    expect(JSON.parse(readFileSync(join(journal.dir, 'quarantine.json'), 'utf8'))).toEqual([]);
  }, 60_000);
});
