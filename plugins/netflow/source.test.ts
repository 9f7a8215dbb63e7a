import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';
import type { DeadLetterEntry, PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { LAB_FLOWS, pcapPayloads } from '../../test/support/netflow/fixtures.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import { kernelDrops } from './socket-drops.js';
import type { NetflowSourceOptions } from './source.js';
import { createNetflowSource } from './source.js';
import { netflowSample } from './source-stats.js';

/**
 * A pipeline stand-in that records what it is given. With `gate`, it pushes back as a full pipeline does: `emit`
 * resolves, and `onWritten` runs, only once the gate opens. With `writeGate`, `emit` resolves at once but nothing is
 * written (`onWritten`) before that gate opens, as with slow outputs and a large pipeline queue.
 */
function context(controller: AbortController, gate?: Promise<void>, writeGate?: Promise<void>) {
  const emitted: PipelineRecord[] = [];
  const written: PipelineRecord[] = [];
  const deadLetters: DeadLetterEntry[] = [];
  const counts = { in: 0, failed: 0 };
  const logLines: string[] = [];
  const ctx: SourceContext = {
    logger: pino({ level: 'warn' }, { write: (line: string) => logLines.push(line) }),
    signal: controller.signal,
    counters: {
      recordsIn: (n = 1) => {
        counts.in += n;
      },
      recordsFailed: (n = 1) => {
        counts.failed += n;
      },
      repaired: () => {},
    },
    emit: async (records, onWritten) => {
      emitted.push(...records);
      await gate;
      const write = () => {
        written.push(...records);
        onWritten?.();
      };
      if (writeGate) void writeGate.then(write);
      else write();
    },
    deadLetter: (entry) => deadLetters.push(entry),
  };
  return { ctx, emitted, written, deadLetters, counts, logLines };
}

/** Whether a NetFlow v9 export carries a template or options template flowset (ids 0 and 1). */
function hasTemplates(data: Buffer): boolean {
  for (let at = 20; at + 4 <= data.length; ) {
    const length = data.readUInt16BE(at + 2);
    if (data.readUInt16BE(at) <= 1) return true;
    if (length < 4) return false;
    at += length;
  }
  return false;
}

interface ReplayOptions {
  waitMs?: number;
  /** Datagrams to send; the lab softflowd v9 export by default. */
  payloads?: Buffer[];
  /** Whether to yield to the event loop between datagrams (loopback drops what overflows the buffer). */
  paced?: boolean;
  /** Sender port, to replay as the same exporter (ip:port) as an earlier run. */
  fromPort?: number;
  /** Makes the pipeline push back until it opens (see `context`). */
  gate?: Promise<void>;
  /** Makes the pipeline write nothing until it opens, without pushing back (see `context`). */
  writeGate?: Promise<void>;
}

async function replay(
  options: NetflowSourceOptions,
  until: (emitted: PipelineRecord[]) => boolean,
  {
    waitMs = 10_000,
    payloads = pcapPayloads(join(LAB_FLOWS, 'softflowd-v9.pcap')).map((p) => p.data),
    paced = true,
    fromPort,
    gate,
    writeGate,
  }: ReplayOptions = {},
) {
  const controller = new AbortController();
  const context_ = context(controller, gate, writeGate);
  const { ctx, emitted } = context_;
  let port = 0;
  const listening = new Promise<void>((resolve) => {
    const given = options.onListening;
    options.onListening = (address) => {
      given?.(address);
      port = address.port;
      resolve();
    };
  });
  const source = createNetflowSource(
    // The buffer collect asks for by default (8 MiB, capped at net.core.rmem_max): the sender here is not slowed
    // by the receiving thread, which on a busy machine may wait for a core longer than a small buffer lasts.
    { host: '127.0.0.1', port: 0, recvBufferSize: 8 * 1024 * 1024, ...options },
    { localNetworks: new LocalNetworks(['10.77.0.0/24']) },
  );
  const running = source.run(ctx);
  await listening;
  const loopback = options.host === '::1' ? '::1' : '127.0.0.1';
  const client = dgram.createSocket(loopback === '::1' ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => client.bind(fromPort ?? 0, loopback, resolve));
  for (const payload of payloads) {
    await new Promise<void>((resolve, reject) =>
      client.send(payload, port, loopback, (err) => (err ? reject(err) : resolve())),
    );
    // Loopback drops datagrams when the receive buffer fills; pace the replay a little.
    if (paced) await new Promise((resolve) => setImmediate(resolve));
  }
  const senderPort = client.address().port;
  client.close();
  const deadline = Date.now() + waitMs;
  while (!until(emitted) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const during = await source.snapshot();
  controller.abort();
  await running;
  return { ...context_, stats: source.stats(), packets: payloads.length, source, during, senderPort };
}

const READERS = ['native', 'dgram'] as const;

for (const receiver of READERS)
  describeNeeding(fixturesMissing())(`UDP source reading with ${receiver}`, () => {
    it('emits every flow of the lab softflowd v9 export sent over loopback', async () => {
      const { emitted, stats, packets, logLines } = await replay({ receiver }, (e) => e.length >= 2900);
      expect(emitted).toHaveLength(2900);
      expect(emitted[0].dataset).toBe('flowtrail.flows');
      const exporter = stats.exporters[Object.keys(stats.exporters)[0]];
      expect(exporter.packets).toBe(packets);
      expect(exporter.malformed).toBe(0);
      expect(stats.received).toBe(packets);
      const doc = emitted.find((r) => (r.doc.source as { ip: string }).ip === '10.77.0.5')?.doc;
      expect(doc?.observer).toEqual({ ip: '127.0.0.1' });
      expect(logLines.filter((line) => /native UDP receiver unavailable/.test(line))).toEqual([]);
    });

    it('receives from IPv6 exporters on an IPv6 socket', async () => {
      const { emitted, stats } = await replay({ receiver, host: '::1' }, (e) => e.length >= 2900);
      expect(emitted).toHaveLength(2900);
      expect(Object.keys(stats.exporters)).toEqual([expect.stringMatching(/^::1[:.]\d+$|^\[::1\]:\d+$/)]);
      expect(emitted[0].doc.observer).toEqual({ ip: '::1' });
    });

    it('drops and counts exporters outside the allowlist, and keeps those inside', async () => {
      const { emitted, stats, packets } = await replay(
        { receiver, allowedExporters: ['192.0.2.0/24'] },
        () => false,
        { waitMs: 300 },
      );
      expect(emitted).toHaveLength(0);
      expect(stats.notAllowed).toBe(packets);
      const allowed = await replay({ receiver, allowedExporters: ['127.0.0.0/8'] }, (e) => e.length >= 2900);
      expect(allowed.emitted).toHaveLength(2900);
      expect(allowed.stats.notAllowed).toBe(0);
    });

    it('tells the address it listens on when asked for any free port on any address', async () => {
      let address: { address: string; port: number } | undefined;
      await replay(
        {
          receiver,
          host: '0.0.0.0',
          onListening: (a) => {
            address = a;
          },
        },
        () => false,
        { waitMs: 50, payloads: [] },
      );
      expect(address?.address).toBe('0.0.0.0');
      expect(address?.port).toBeGreaterThan(0);
    });
  });

describe('UDP source receive buffer', () => {
  const requested = 2 * Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  const warningOf = (logLines: string[]) =>
    logLines.map((line) => JSON.parse(line)).find((l) => /receive buffer/.test(l.msg));

  it("warns when the kernel grants Node's dgram less than configured (net.core.rmem_max)", async () => {
    const { logLines } = await replay({ receiver: 'dgram', recvBufferSize: requested }, () => false, {
      waitMs: 100,
      payloads: [],
    });
    expect(warningOf(logLines)).toMatchObject({ requested, granted: requested / 2 });
  });

  it.runIf(process.getuid?.() === 0)(
    'gets the native receiver the configured buffer beyond net.core.rmem_max when privileged',
    async () => {
      const { logLines } = await replay({ receiver: 'native', recvBufferSize: requested }, () => false, {
        waitMs: 100,
        payloads: [],
      });
      expect(warningOf(logLines)).toBeUndefined();
    },
  );
});

describeNeeding(fixturesMissing())('UDP source', () => {
  it('dead-letters malformed datagrams with their origin and bytes, and counts them', async () => {
    const garbage = Buffer.from([0x00, 0x09, 0x00, 0x01, 0xde, 0xad]);
    const { deadLetters, counts, stats } = await replay({}, () => false, {
      waitMs: 500,
      payloads: [garbage],
    });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ plugin: 'netflow', raw: garbage.toString('base64') });
    expect(deadLetters[0].origin).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(deadLetters[0].reason).toMatch(/^netflow: /);
    expect(counts.failed).toBe(1);
    expect(Object.values(stats.exporters)[0].malformed).toBe(1);
  });

  it('hands out its templates while running and after, and a new source decodes data with them at once', async () => {
    const first = await replay({}, (e) => e.length >= 2900);
    expect(first.during.exporters).toHaveLength(1);
    const saved = await first.source.snapshot();
    expect(saved.exporters[0].domains[0].templates.length).toBeGreaterThan(0);

    const dataOnly = pcapPayloads(join(LAB_FLOWS, 'softflowd-v9.pcap'))
      .map((p) => p.data)
      .filter((data) => !hasTemplates(data));
    const withoutTemplates = await replay({}, () => false, { waitMs: 300, payloads: dataOnly.slice(0, 5) });
    expect(withoutTemplates.emitted).toHaveLength(0);
    // Templates are scoped to the exporter's ip:port: the second run sends from the same port.
    const restored = await replay({ snapshot: JSON.parse(JSON.stringify(saved)) }, (e) => e.length > 0, {
      payloads: dataOnly.slice(0, 5),
      fromPort: first.senderPort,
    });
    expect(restored.emitted.length).toBeGreaterThan(0);
    expect(Object.values(restored.stats.exporters)[0].templateMisses).toBe(0);
  });

  it('counts datagrams beyond its queue bound as overflow instead of queueing them', async () => {
    // One datagram a batch: the receiving thread may otherwise read the whole replay into one batch.
    const { stats, packets } = await replay({ maxQueuedPackets: 1, batchSize: 1 }, () => false, {
      waitMs: 500,
      gate: new Promise(() => {}),
    });
    expect(stats.queueOverflow).toBeGreaterThan(0);
    const [exporter] = Object.keys(stats.queueOverflowByExporter);
    expect(stats.queueOverflowByExporter[exporter]).toBe(stats.queueOverflow);
    const decoded = Object.values(stats.exporters).reduce((sum, s) => sum + s.packets, 0);
    expect(decoded + stats.queueOverflow + (stats.kernelDrops ?? 0)).toBe(packets);
  });

  it('stops decoding while too many of its documents wait unwritten, and goes on as they are written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-journal-'));
    const limit = 1000;
    const batchSize = 4;
    let open: () => void = () => {};
    const writeGate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const givesUpAt = Date.now() + 15_000;
    let seen = -1;
    let unchangedSince = Date.now();
    let emittedWhileStalled: number | undefined;
    const { emitted, stats } = await replay(
      { batchSize, maxUnwrittenDocs: limit, journal: { dir, maxBytes: 64 * 1024 * 1024 } },
      (e) => {
        // Stalled: past the bound and nothing more for half a second (on a loaded machine decoding can take
        // longer than any fixed wait), or never got there.
        if (e.length !== seen) {
          seen = e.length;
          unchangedSince = Date.now();
        }
        const settled = e.length >= limit && Date.now() - unchangedSince >= 500;
        if (emittedWhileStalled === undefined && (settled || Date.now() >= givesUpAt)) {
          emittedWhileStalled = e.length;
          open();
        }
        return new Set(e.map((r) => r.id)).size >= 2900;
      },
      { writeGate, waitMs: 40_000 },
    );
    expect(emittedWhileStalled).toBeGreaterThanOrEqual(limit);
    // Past the bound only the batches already at the decode worker (two at most, of up to 34 flows a datagram).
    expect(emittedWhileStalled).toBeLessThanOrEqual(limit + 2 * batchSize * 34);
    expect(new Set(emitted.map((r) => r.id)).size).toBe(2900);
    expect(stats.queueOverflow).toBe(0);
  });

  it('keeps datagrams in its journal while the pipeline pushes back, then emits every flow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-journal-'));
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const { written, stats } = await replay(
      { batchSize: 1, journal: { dir, maxBytes: 64 * 1024 * 1024 } },
      (emitted) => {
        open();
        return new Set(emitted.map((r) => r.id)).size >= 2900;
      },
      { gate },
    );
    expect(stats.journaledPackets).toBe(stats.received);
    expect(stats.queueOverflow).toBe(0);
    expect(new Set(written.map((r) => r.id)).size).toBe(2900);
    // Everything that went through the journal is known to be written.
    expect(stats.journalBytes).toBe(0);
    const metrics = new Metrics();
    metrics.netflow = () => netflowSample(stats);
    const text = await metrics.registry.metrics();
    expect(sampleValue(text, 'flowtrail_netflow_journaled_packets_total')).toBe(stats.received);
    expect(sampleValue(text, 'flowtrail_netflow_journal_bytes')).toBe(0);
  });

  it('decodes what a stopped run left in its journal when it starts again, so no flow is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-journal-'));
    const journal = { dir, maxBytes: 64 * 1024 * 1024 };
    // The outputs never take anything: whatever the worker did not get stays in the journal.
    const first = await replay({ batchSize: 1, journal }, () => false, {
      waitMs: 300,
      gate: new Promise(() => {}),
    });
    expect(first.stats.journalBytes).toBeGreaterThan(0);
    const leftOver = new Set(first.emitted.map((r) => r.id));
    expect(leftOver.size).toBeLessThan(1000);
    const second = await replay(
      { journal, snapshot: await first.source.snapshot() },
      (emitted) => new Set([...leftOver, ...emitted.map((r) => r.id)]).size >= 2900,
      { payloads: [] },
    );
    expect(new Set([...leftOver, ...second.emitted.map((r) => r.id)]).size).toBe(2900);
    expect(Object.values(second.stats.exporters)[0].templateMisses).toBe(0);
    expect(second.stats.journalBytes).toBe(0);
  });
});

/** The value of one sample line of the Prometheus text format, undefined when absent. */
function sampleValue(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describeNeeding(fixturesMissing())('NetFlow metrics', () => {
  it('exports the per-exporter counters and the kernel drops of the socket on scrape', async () => {
    const { stats, packets, source } = await replay({}, (e) => e.length >= 2900);
    const metrics = new Metrics();
    metrics.netflow = () => netflowSample(source.stats());
    const text = await metrics.registry.metrics();
    const exporter = Object.keys(stats.exporters)[0];
    expect(exporter).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(sampleValue(text, `flowtrail_netflow_packets_total{exporter="${exporter}"}`)).toBe(packets);
    expect(sampleValue(text, `flowtrail_netflow_records_total{exporter="${exporter}"}`)).toBe(2900);
    expect(sampleValue(text, `flowtrail_netflow_malformed_packets_total{exporter="${exporter}"}`)).toBe(0);
    expect(sampleValue(text, `flowtrail_netflow_lost_packets_total{exporter="${exporter}"}`)).toBe(0);
    // Read from /proc/net/udp while the socket was open: a number (0 on a calm loopback), not absent.
    expect(sampleValue(text, 'flowtrail_netflow_kernel_drops_total')).toBe(stats.kernelDrops);
    expect(stats.kernelDrops).toBeGreaterThanOrEqual(0);
    // A second scrape copies the totals again instead of adding them up.
    const again = await metrics.registry.metrics();
    expect(sampleValue(again, `flowtrail_netflow_packets_total{exporter="${exporter}"}`)).toBe(packets);
  });

  it('labels not-allowed drops with the sender', async () => {
    const { stats, packets } = await replay({ allowedExporters: ['192.0.2.0/24'] }, () => false, {
      waitMs: 300,
    });
    const metrics = new Metrics();
    metrics.netflow = () => netflowSample(stats);
    const text = await metrics.registry.metrics();
    const [sender] = Object.keys(stats.notAllowedByExporter);
    expect(sender).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(sampleValue(text, `flowtrail_netflow_not_allowed_packets_total{exporter="${sender}"}`)).toBe(
      packets,
    );
  });

  it('reads the drops column of /proc/net/udp and udp6 for the local port only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-procnet-'));
    const header =
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n';
    writeFileSync(
      join(dir, 'udp'),
      `${header}  1: 0100007F:0807 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1111 2 0000000000000000 17\n` +
        '  2: 00000000:0808 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 2222 2 0000000000000000 5\n',
    );
    writeFileSync(
      join(dir, 'udp6'),
      `${header}  3: 00000000000000000000000000000000:0807 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3333 2 0000000000000000 4\n`,
    );
    expect(kernelDrops(0x807, dir)).toBe(21);
    expect(kernelDrops(0x809, dir)).toBeUndefined();
  });
});
