import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { decodePayloads } from '../../plugins/netflow/offline.js';
import { parsePcap } from '../../plugins/netflow/pcap-file.js';
import type { NetflowSource } from '../../plugins/netflow/source.js';
import { createNetflowSource } from '../../plugins/netflow/source.js';
import type { FlowFacts } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { quietLogger, testClient, testConfig } from '../support/es.js';
import { LAB_FLOWS, netflowOf, VENDOR } from '../support/netflow/fixtures.js';
import { type FlowTuple, flowKey, keyCounts, readNfdumpCsv } from '../support/netflow/nfdump.js';
import { type TsharkFlow, tsharkFlows } from '../support/netflow/tshark.js';
import { describeNeeding, firstMissing, fixturesMissing, toolsMissing } from '../support/requirements.js';

const client = testClient();

/** The lab capture ran from 22:05:34 to 22:05:46 UTC (lab/README.md). */
const WINDOW_START = Date.UTC(2026, 10, 21, 22, 5, 34);
const WINDOW_END = Date.UTC(2026, 10, 21, 22, 5, 47);
const PROBES = ['softflowd-v5', 'softflowd-v9', 'softflowd-ipfix', 'pmacct-v9', 'pmacct-ipfix'];
const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR', 'NS'];

interface FlowDoc {
  source: { ip: string; port?: number; packets?: number; bytes?: number };
  destination: { ip: string; port?: number };
  network: { iana_number: string };
  event: { start?: string; end?: string };
  flowtrail?: { tcp_flags?: string[] };
}

function tupleOfDoc(d: FlowDoc): FlowTuple {
  let tcpFlags = 0;
  for (const name of d.flowtrail?.tcp_flags ?? []) tcpFlags |= 1 << TCP_FLAGS.indexOf(name);
  return {
    sourceIp: d.source.ip,
    destinationIp: d.destination.ip,
    sourcePort: d.source.port ?? 0,
    destinationPort: d.destination.port ?? 0,
    protocol: Number(d.network.iana_number),
    tcpFlags,
    packets: d.source.packets ?? 0,
    bytes: d.source.bytes ?? 0,
  };
}

function send(socket: dgram.Socket, data: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  );
}

function bind(socket: dgram.Socket): Promise<number> {
  return new Promise((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

describeNeeding(fixturesMissing())('lab exports replayed over UDP into Elasticsearch, against nfdump', () => {
  const config = testConfig();
  const index = searchPattern('flowtrail.flows', config.elasticsearch.namespace);
  /** Exporter (127.0.0.1:port of the sender) each lab export was replayed from. */
  const exporterOf = new Map<string, string>();
  let source: NetflowSource;

  beforeAll(async () => {
    await setupElasticsearch(client, {
      retentionMs: { flows: 30 * 86_400_000, alerts: 365 * 86_400_000, events: 30 * 86_400_000 },
      version: 'test',
    });
    const { pipeline } = createRuntime(config, client, quietLogger);
    let collectorPort = 0;
    const listening = new Promise<void>((resolve) => {
      source = createNetflowSource(
        {
          host: '127.0.0.1',
          port: 0,
          recvBufferSize: 8 * 1024 * 1024,
          onListening: (address) => {
            collectorPort = address.port;
            resolve();
          },
        },
        { localNetworks: new LocalNetworks(['10.77.0.0/24']) },
      );
    });
    const running = pipeline.run([source]);
    await listening;

    // One sender socket per export and per original exporter port, so each replays as its own exporter and
    // templates stay scoped the way they were on the wire.
    let sent = 0;
    for (const probe of PROBES) {
      const datagrams = parsePcap(readFileSync(join(LAB_FLOWS, `${probe}.pcap`))).datagrams;
      const senders = new Map<number, dgram.Socket>();
      for (const datagram of datagrams) {
        let socket = senders.get(datagram.sourcePort);
        if (!socket) {
          socket = dgram.createSocket('udp4');
          const port = await bind(socket);
          senders.set(datagram.sourcePort, socket);
          exporterOf.set(probe, `127.0.0.1:${port}`);
        }
        await send(socket, datagram.payload, collectorPort);
        sent++;
        // Paced like an exporter: the collector reads the socket between datagrams.
        if (sent % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(senders.size).toBe(1);
      for (const socket of senders.values()) socket.close();
    }
    const received = () =>
      Object.values(source.stats().exporters).reduce((sum, stats) => sum + stats.packets, 0);
    await waitFor(() => received() >= sent, 30_000);
    expect(received()).toBe(sent);
    pipeline.stop();
    await running;
    await client.indices.refresh({ index });
  });
  afterAll(() => client.close());

  async function docsOf(exporter: string): Promise<FlowDoc[]> {
    const { body } = await client.search({
      index,
      size: 10_000,
      body: {
        query: { term: { 'netflow.exporter.address': exporter } },
        _source: [
          'source',
          'destination',
          'network.iana_number',
          'event.start',
          'event.end',
          'flowtrail.tcp_flags',
        ],
      },
    });
    return (body as { hits: { hits: Array<{ _source: FlowDoc }> } }).hits.hits.map((h) => h._source);
  }

  for (const probe of PROBES) {
    it(`${probe}: every record in Elasticsearch as nfdump reads it, inside the capture window`, async () => {
      const exporter = exporterOf.get(probe) ?? '';
      const stats = source.stats().exporters[exporter];
      expect(stats.malformed + stats.lostPackets + stats.lostRecords + stats.sequenceResets).toBe(0);
      const docs = await docsOf(exporter);
      const expected = readNfdumpCsv(join(LAB_FLOWS, `${probe}.nfdump.csv`));
      expect(docs).toHaveLength(expected.length);
      const compareIcmpCodes = probe !== 'pmacct-v9';
      expect(keyCounts(docs.map((d) => flowKey(tupleOfDoc(d), compareIcmpCodes)))).toEqual(
        keyCounts(expected.map((f) => flowKey(f, compareIcmpCodes))),
      );
      // A v9 header dates the export to the whole second and flow times hang off it. Live, the arrival time
      // supplies the fraction (the unit lab test decodes with the capture's arrival times and needs no slack);
      // a replay arrives years later, so v9 flows may sit up to that second early. IPFIX and v5 carry the fraction.
      const earliest = probe.endsWith('-v9') ? WINDOW_START - 1000 : WINDOW_START;
      for (const doc of docs) {
        const start = Date.parse(doc.event.start ?? '');
        const end = Date.parse(doc.event.end ?? '');
        expect(start).toBeGreaterThanOrEqual(earliest);
        expect(end).toBeLessThan(WINDOW_END);
        expect(end).toBeGreaterThanOrEqual(start);
      }
    });
  }
});

/** Exports tshark can read as they are: every data set follows its template (tshark does not buffer). */
const TSHARK_SAMPLE: Array<{ name: string; files: string[] }> = [
  ...PROBES.map((probe) => ({ name: `lab ${probe}`, files: [join(LAB_FLOWS, `${probe}.pcap`)] })),
  ...[
    ['nfv5'],
    ['mpls'],
    ['nat'],
    ['physicalinterfaces'],
    ['icmp-template', 'icmp-data'],
    ['ipfixprobe-templates', 'ipfixprobe-data'],
    ['samplingrate-template', 'samplingrate-data'],
    [
      'multiplesamplingrates-options-template',
      'multiplesamplingrates-options-data',
      'multiplesamplingrates-template',
      'multiplesamplingrates-data',
    ],
  ].map((parts) => ({
    name: `akvorado ${parts.join('+')}`,
    files: parts.map((part) => join(VENDOR, 'akvorado', `${part}.pcap`)),
  })),
];

/** Ours in tshark's terms: raw (unsampled) counters, ports only where they are ports. */
function ourKey(f: FlowFacts): string {
  const rate = (netflowOf(f).sampling_rate as number | undefined) ?? 1;
  const ports = f.protocol === 6 || f.protocol === 17 ? `${f.sourcePort} ${f.destinationPort}` : '-';
  const count = (n: number | undefined) => (n === undefined ? '?' : n / rate);
  return `${f.sourceIp} ${f.destinationIp} ${ports} ${f.protocol} ${count(f.bytes)} ${count(f.packets)}`;
}

function tsharkKey(f: TsharkFlow): string {
  const ports = f.protocol === 6 || f.protocol === 17 ? `${f.sourcePort} ${f.destinationPort}` : '-';
  return `${f.sourceIp} ${f.destinationIp} ${ports} ${f.protocol ?? 0} ${f.bytes ?? '?'} ${f.packets ?? '?'}`;
}

describeNeeding(firstMissing(fixturesMissing(), toolsMissing('tshark', 'mergecap')))(
  'vendor and lab captures against tshark',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-tshark-'));

    for (const { name, files } of TSHARK_SAMPLE) {
      it(`${name}: decodes without errors, sane values, and tshark agrees record for record`, () => {
        // Template and data captures are separate files; tshark reads one, so they are concatenated in order.
        const pcap = files.length === 1 ? files[0] : join(dir, `${name.replace(/\W+/g, '_')}.pcap`);
        if (files.length > 1) execFileSync('mergecap', ['-F', 'pcap', '-a', '-w', pcap, ...files]);
        const datagrams = parsePcap(readFileSync(pcap)).datagrams;
        const result = decodePayloads(
          datagrams.map((d) => ({
            exporter: d.sourceIp,
            port: d.sourcePort,
            data: d.payload,
            receivedAt: d.timestamp,
          })),
        );
        expect(result.errors).toEqual([]);
        expect(result.flows.length).toBeGreaterThan(0);
        for (const flow of result.flows) {
          expect(flow.protocol).toBeGreaterThanOrEqual(0);
          expect(flow.protocol).toBeLessThanOrEqual(255);
          for (const port of [flow.sourcePort, flow.destinationPort]) {
            if (port !== undefined) expect(port).toBeLessThanOrEqual(65_535);
          }
          const end = flow.end ?? 0;
          expect(end).toBeGreaterThan(Date.UTC(2000, 0, 1));
          expect(end).toBeLessThan(Date.UTC(2100, 0, 1));
          expect(end).toBeGreaterThanOrEqual(flow.start ?? end);
        }
        const ports = [...new Set(datagrams.map((d) => d.destinationPort))];
        const theirs = tsharkFlows(pcap, ports);
        expect(keyCounts(result.flows.map(ourKey))).toEqual(keyCounts(theirs.map(tsharkKey)));
      });
    }
  },
);
