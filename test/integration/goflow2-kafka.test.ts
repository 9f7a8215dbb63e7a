/**
 * GoFlow2 conformance: the lab's NetFlow/IPFIX exports, replayed over UDP at once to flowtrail's own collector and
 * to two real goflow2 processes (github.com/netsampler/goflow2/v2, built from its Go module) that send their flow
 * messages to the test Kafka, one as JSON and one as protobuf; flowtrail's Kafka input reads both topics into
 * Elasticsearch. The flows of each export must be the same in all three.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogInputs } from '../../app/wiring/log-inputs.js';
import { createRuntime, type Runtime } from '../../app/wiring/runtime.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { parsePcap } from '../../plugins/netflow/pcap-file.js';
import { createNetflowSource } from '../../plugins/netflow/source.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { Enrichers } from '../../src/enrich/enrichers.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { freeUdpPort } from '../support/collector.js';
import { quietLogger, testClient, testConfig } from '../support/es.js';
import { buildGoflow2 } from '../support/go-modules.js';
import { LAB, LAB_EXPORTS, LAB_LOCAL } from '../support/lab.js';
import { describeNeeding, firstMissing, fixturesMissing, toolsMissing } from '../support/requirements.js';

const bootstrap = inject('kafkaBootstrap');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each export is replayed from an address of its own, which both collectors report as the flow's observer. */
const PROBE_ADDRESS = Object.fromEntries(LAB_EXPORTS.map((probe, i) => [probe, `127.0.0.${21 + i}`]));

const FORMATS = [
  { name: 'JSON', goflow2: 'json', format: 'goflow2-json' },
  { name: 'protobuf', goflow2: 'bin', format: 'goflow2-protobuf' },
] as const;

/**
 * How GoFlow2 v2.2.6 dates each export's flows against flowtrail's collector. `same`: to the millisecond.
 * `wrapped`: softflowd reading a capture sends sysUptime-relative times that wrapped the 32-bit uptime; flowtrail
 * takes their difference to the header's uptime as signed, GoFlow2 as unsigned, which puts those flows 2^32 ms
 * (49.7 days) late. `export`: times GoFlow2 does not read, so that it dates the flows by their export (start = end
 * = the header's export second): softflowd's IPFIX flowStartSysUpTime/flowEndSysUpTime (22/23), and pmacct's
 * NetFlow v9 flowStartMilliseconds/flowEndMilliseconds (152/153), which GoFlow2 reads in IPFIX only.
 */
const TIMES: Record<string, 'same' | 'wrapped' | 'export'> = {
  'softflowd-v5': 'same',
  'softflowd-v9': 'wrapped',
  'softflowd-ipfix': 'export',
  'pmacct-v9': 'export',
  'pmacct-ipfix': 'same',
};
const UPTIME_WRAP_MS = 2 ** 32;
/** The lab capture ended at 22:05:47 UTC (lab/README.md). */
const CAPTURE_END = Date.UTC(2026, 10, 21, 22, 5, 47);

/** A time GoFlow2 put 2^32 ms late, where flowtrail puts it; how many were. */
function unwrapped(docs: FlowDoc[]): { docs: FlowDoc[]; wrapped: number } {
  let wrapped = 0;
  const back = (time: string | undefined) => {
    if (time === undefined || Date.parse(time) < CAPTURE_END + 86_400_000) return time;
    wrapped++;
    return new Date(Date.parse(time) - UPTIME_WRAP_MS).toISOString();
  };
  return {
    docs: docs.map((d) => ({
      ...d,
      event: { ...d.event, start: back(d.event.start), end: back(d.event.end) },
    })),
    wrapped,
  };
}

interface FlowDoc {
  source: { ip: string; port?: number; bytes?: number; packets?: number };
  destination: { ip: string; port?: number };
  network: { iana_number: string };
  event: { start?: string; end?: string; module: string };
  observer?: { ingress?: { interface: { id: string } }; egress?: { interface: { id: string } } };
  flowtrail?: { tcp_flags?: string[] };
}

/** What a flow is, times aside: addresses, ports, protocol, counters, TCP flags and interfaces. */
function flowKey(d: FlowDoc): string {
  return [
    d.source.ip,
    d.source.port,
    d.destination.ip,
    d.destination.port,
    d.network.iana_number,
    d.source.bytes,
    d.source.packets,
    (d.flowtrail?.tcp_flags ?? []).join(','),
    d.observer?.ingress?.interface.id,
    d.observer?.egress?.interface.id,
  ].join(' ');
}

function timedKey(d: FlowDoc): string {
  return `${flowKey(d)} ${d.event.start} ${d.event.end}`;
}

function startGoflow2(binary: string, port: number, format: string, topic: string) {
  const child = spawn(
    binary,
    [
      // One worker decodes in arrival order: a template is always read before the data that needs it.
      '-listen',
      `netflow://127.0.0.1:${port}?workers=1`,
      '-format',
      format,
      '-transport',
      'kafka',
      '-transport.kafka.brokers',
      bootstrap ?? '',
      '-transport.kafka.topic',
      topic,
      '-transport.kafka.flushfreq',
      '100ms',
      '-addr',
      '127.0.0.1:0',
      '-loglevel',
      'info',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('starting collection')) resolve();
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`goflow2 exited with ${code}: ${output.slice(-600)}`)));
  });
  return { child, started, output: () => output };
}

function bind(socket: dgram.Socket, address: string): Promise<void> {
  return new Promise((resolve) => socket.bind(0, address, () => resolve()));
}

function send(socket: dgram.Socket, data: Buffer, port: number): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  );
}

describeNeeding(
  firstMissing(
    bootstrap === null ? 'needs the test Kafka (FLOWTRAIL_TEST_KAFKA=0 leaves it out)' : undefined,
    fixturesMissing(),
    toolsMissing('go'),
  ),
)('GoFlow2 flow messages through Kafka, against flowtrail’s own collector', () => {
  const client = testClient();
  const suffix = Date.now().toString(36);
  const goflows: ChildProcess[] = [];
  /** Per format: its configuration (a namespace of its own) and its pipeline. */
  const runs = new Map<string, { config: FlowtrailConfig; runtime: Runtime; done: Promise<void> }>();
  /** flowtrail's own collector writes beside the JSON messages' flows, told apart by event.module. */
  const reference = { index: '' };

  async function count(index: string, module: string): Promise<number> {
    await client.indices.refresh({ index });
    const { body } = await client.count({ index, body: { query: { term: { 'event.module': module } } } });
    return body.count as number;
  }

  async function flowsOf(index: string, module: string, probe: string): Promise<FlowDoc[]> {
    const { body } = await client.search({
      index,
      size: 10_000,
      body: {
        query: {
          bool: {
            filter: [{ term: { 'event.module': module } }, { term: { 'observer.ip': PROBE_ADDRESS[probe] } }],
          },
        },
        _source: [
          'source',
          'destination',
          'network.iana_number',
          'event',
          'observer.ingress',
          'observer.egress',
          'flowtrail.tcp_flags',
        ],
      },
    });
    return body.hits.hits.map((hit: { _source: FlowDoc }) => hit._source);
  }

  beforeAll(async () => {
    const built = buildGoflow2(() => undefined);
    if ('unavailable' in built) throw new Error(`GoFlow2 could not be built: ${built.unavailable}`);
    await setupElasticsearch(client, {
      retentionMs: { flows: 3650 * 86_400_000, alerts: 365 * 86_400_000, events: 30 * 86_400_000 },
      version: 'test',
    });
    const kafka = new Kafka({
      clientId: 'flowtrail-test',
      brokers: [bootstrap ?? ''],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: FORMATS.map((f) => ({ topic: `goflow2-${f.goflow2}-${suffix}`, numPartitions: 2 })),
      waitForLeaders: true,
    });
    await admin.disconnect();

    const ports: number[] = [];
    for (const f of FORMATS) {
      const topic = `goflow2-${f.goflow2}-${suffix}`;
      const config = testConfig({
        local_networks: LAB_LOCAL,
        elasticsearch: { bulk: { flush_interval: '200ms' } },
        inputs: {
          netflow: { enabled: false },
          kafka: {
            enabled: true,
            brokers: [bootstrap],
            group_id: `flowtrail-goflow2-${f.goflow2}-${suffix}`,
            topics: [{ topic, format: f.format }],
          },
        },
      });
      const runtime = createRuntime(config, client, quietLogger);
      const { sources } = createLogInputs(
        config,
        new LocalNetworks(LAB_LOCAL),
        quietLogger,
        new Enrichers([]),
      );
      let listening: Promise<number> | undefined;
      if (runs.size === 0) {
        reference.index = searchPattern('flowtrail.flows', config.elasticsearch.namespace);
        let listened: (port: number) => void = () => undefined;
        listening = new Promise<number>((resolve) => {
          listened = resolve;
        });
        sources.push(
          createNetflowSource(
            {
              host: '127.0.0.1',
              port: 0,
              recvBufferSize: 8 * 1024 * 1024,
              onListening: (address) => listened(address.port),
            },
            { localNetworks: new LocalNetworks(LAB_LOCAL) },
          ),
        );
      }
      const done = runtime.pipeline.run(sources);
      if (listening !== undefined) ports.push(await listening);
      runs.set(f.format, { config, runtime, done });
      const port = await freeUdpPort();
      const goflow2 = startGoflow2(built.binary, port, f.goflow2, topic);
      goflows.push(goflow2.child);
      await goflow2.started;
      ports.push(port);
    }
    // The receiver opens its socket right after saying it starts collecting.
    await sleep(500);

    let sent = 0;
    for (const probe of LAB_EXPORTS) {
      const socket = dgram.createSocket('udp4');
      await bind(socket, PROBE_ADDRESS[probe]);
      for (const { payload } of parsePcap(readFileSync(join(LAB, 'flows', `${probe}.pcap`))).datagrams) {
        for (const port of ports) await send(socket, payload, port);
        sent++;
        // Paced like an exporter: each collector reads its socket between datagrams.
        if (sent % 4 === 0) await sleep(1);
      }
      socket.close();
    }

    const expected = async () => count(reference.index, 'netflow');
    const indexOf = (format: string) =>
      searchPattern('flowtrail.flows', runs.get(format)?.config.elasticsearch.namespace ?? '');
    const deadline = Date.now() + 300_000;
    let last = '';
    for (;;) {
      const want = await expected();
      const have = await Promise.all(FORMATS.map((f) => count(indexOf(f.format), 'goflow2')));
      const now = `${want} ${have.join(' ')}`;
      if (want > 0 && have.every((n) => n === want) && now === last) break;
      if (Date.now() > deadline) break;
      last = now;
      await sleep(2000);
    }
    for (const { runtime, done } of runs.values()) {
      runtime.pipeline.stop();
      await done;
    }
    await client.indices.refresh({ index: searchPattern('flowtrail.flows', '*') });
    // Three collectors, two Kafka consumers and Elasticsearch on a shared 2-core machine took up to 400 s here.
  }, 900_000);

  afterAll(async () => {
    for (const child of goflows) child.kill('SIGTERM');
    await client.close();
  });

  describe.each(FORMATS)('GoFlow2 $name messages', ({ format }) => {
    it.each(LAB_EXPORTS)('give the flows of %s that flowtrail’s collector makes of it', async (probe) => {
      const run = runs.get(format);
      if (run === undefined) throw new Error('not run');
      const index = searchPattern('flowtrail.flows', run.config.elasticsearch.namespace);
      const own = await flowsOf(reference.index, 'netflow', probe);
      const relayed = await flowsOf(index, 'goflow2', probe);
      expect(own.length).toBeGreaterThan(1000);
      expect(relayed.map(flowKey).sort()).toEqual(own.map(flowKey).sort());
      const times = TIMES[probe];
      if (times === 'same') {
        expect(relayed.map(timedKey).sort()).toEqual(own.map(timedKey).sort());
      } else if (times === 'wrapped') {
        const { docs, wrapped } = unwrapped(relayed);
        expect(wrapped).toBeGreaterThan(0);
        expect(docs.map(timedKey).sort()).toEqual(own.map(timedKey).sort());
      } else {
        const seconds = (d: FlowDoc) => Math.floor(Date.parse(d.event.end ?? '') / 1000);
        expect(relayed.every((d) => d.event.start === d.event.end)).toBe(true);
        expect(Math.min(...relayed.map(seconds))).toBeGreaterThanOrEqual(Math.min(...own.map(seconds)));
      }
    });
  });
});
