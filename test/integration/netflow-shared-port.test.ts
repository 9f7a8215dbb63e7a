import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { exportStreams } from '../../bench/sender/streams.js';
import { NetflowDecoder } from '../../plugins/netflow/decode/decoder.js';
import { searchPattern } from '../../src/store/naming.js';
import { exited } from '../support/cli.js';
import { setUpCollector, startCollector } from '../support/collector.js';
import { countDocs, testClient } from '../support/es.js';
import { FIXTURES } from '../support/fixtures.js';
import { describeNeeding, fixturesMissing } from '../support/requirements.js';

const EXPORTERS = 16;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** True when the datagram carries a template or options template set (NetFlow v9 set ids 0/1, IPFIX 2/3). */
function carriesTemplates(payload: Buffer): boolean {
  const version = payload.readUInt16BE(0);
  for (let at = version === 10 ? 16 : 20; at + 4 <= payload.length; ) {
    const id = payload.readUInt16BE(at);
    const length = payload.readUInt16BE(at + 2);
    if (id <= 3) return true;
    if (length < 4) break;
    at += length;
  }
  return false;
}

/**
 * Routers spread over collectors that share one UDP port (`inputs.netflow.reuse_port`, SO_REUSEPORT): the kernel
 * hands each exporter (source address and port) to one collector, so its templates and its data meet in the same
 * decoder. When that collector goes, its exporters move to the others, which have never seen their templates:
 * their data sets wait for the next templates and are decoded then, nothing lost.
 */
describeNeeding(fixturesMissing())('exporters spread over collectors sharing a port', () => {
  const es = testClient();
  const senders: dgram.Socket[] = [];
  const kill: Array<() => void> = [];
  afterAll(async () => {
    for (const k of kill) k();
    for (const s of senders) s.close();
    await es.close();
  });

  it('keeps each exporter on one collector, and a moved exporter loses nothing', async () => {
    const a = await setUpCollector('sharedport', {
      esUrl: inject('esUrl'),
      netflow: 'reuse_port: true, receiver: native',
    });
    // The second collector: the same port, its own namespace and journal.
    const bRoot = mkdtempSync(join(tmpdir(), 'flowtrail-sharedport-b-'));
    const bNamespace = `b${a.namespace}`;
    const bConfig = join(bRoot, 'flowtrail.yml');
    writeFileSync(
      bConfig,
      readFileSync(a.config, 'utf8')
        .replace(`namespace: ${a.namespace}`, `namespace: ${bNamespace}`)
        .replace(`data_dir: "${a.dataDir}"`, `data_dir: "${join(bRoot, 'data')}"`),
    );
    const bIndex = searchPattern('flowtrail.flows', bNamespace);
    const collectorA = await startCollector(a.config);
    kill.push(() => collectorA.child.kill('SIGKILL'));
    const collectorB = await startCollector(bConfig);
    kill.push(() => collectorB.child.kill('SIGKILL'));

    const payloads = (
      exportStreams(FIXTURES).find((s) => s.name === 'lab/softflowd-ipfix')?.payloads ?? []
    ).slice(0, 40);
    const decoder = new NetflowDecoder();
    const perExporter = payloads
      .map((p) => decoder.decode(p, '192.0.2.1', 2055).records.filter((r) => !r.template.isOptions).length)
      .reduce((sum, n) => sum + n, 0);
    expect(perExporter).toBeGreaterThan(100);
    for (let i = 0; i < EXPORTERS; i++) {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      senders.push(socket);
    }
    const send = async (socket: dgram.Socket, datagrams: Buffer[]) => {
      for (const d of datagrams) {
        await new Promise<void>((resolve, reject) =>
          socket.send(d, a.netflowPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
        );
        await sleep(2);
      }
    };
    for (const socket of senders) await send(socket, payloads);

    const byExporter = async (index: string) => {
      await es.indices.refresh({ index });
      const { body } = await es.search({
        index,
        size: 0,
        body: { aggs: { exporters: { terms: { field: 'netflow.exporter.address', size: 100 } } } },
      });
      const buckets: Array<{ key: string; doc_count: number }> = body.aggregations.exporters.buckets;
      return new Map(buckets.map((b) => [b.key, b.doc_count]));
    };
    await waitFor(
      `${EXPORTERS * perExporter} flows over both collectors`,
      async () =>
        (await countDocs(es, a.index).catch(() => 0)) + (await countDocs(es, bIndex).catch(() => 0)) >=
        EXPORTERS * perExporter,
    );
    await sleep(1000);
    const onA = await byExporter(a.index);
    const onB = await byExporter(bIndex);
    const exporters = senders.map((s) => `127.0.0.1:${s.address().port}`);
    // Each exporter whole on exactly one collector, and both collectors got some (16 exporters).
    for (const exporter of exporters)
      expect([onA.get(exporter) ?? 0, onB.get(exporter) ?? 0].sort((x, y) => x - y)).toEqual([
        0,
        perExporter,
      ]);
    expect(onA.size).toBeGreaterThan(0);
    expect(onB.size).toBeGreaterThan(0);

    // Collector B goes; its exporters now reach A, which has no template of theirs. Their data comes first and
    // their templates last: A holds the data sets until the templates arrive, then decodes every one.
    collectorB.child.kill('SIGKILL');
    await exited(collectorB.child);
    const moved = senders.filter((_, i) => onB.has(exporters[i]));
    const dataFirst = [
      ...payloads.filter((p) => !carriesTemplates(p)),
      ...payloads.filter((p) => carriesTemplates(p)),
    ];
    const before = await countDocs(es, a.index);
    for (const socket of moved) await send(socket, dataFirst);
    const expectedOnA = before + moved.length * perExporter;
    await waitFor(`${expectedOnA} flows on the remaining collector`, async () => {
      return (await countDocs(es, a.index).catch(() => 0)) >= expectedOnA;
    });
    await sleep(1000);
    expect(await countDocs(es, a.index)).toBe(expectedOnA);
    const after = await byExporter(a.index);
    for (const socket of moved) expect(after.get(`127.0.0.1:${socket.address().port}`)).toBe(perExporter);

    collectorA.child.kill('SIGTERM');
    expect(await exited(collectorA.child)).toBe(0);
  }, 300_000);
});
