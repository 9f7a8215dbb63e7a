import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MeteredFlow, tapFlowFacts } from '../../codecs/pcap/flow-records.js';
import { FlowStream, flowStream } from '../../src/api/flow-stream.js';
import { type ApiServer, startApiServer } from '../../src/api/server.js';
import { FLOW_DATASET, toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { T0 } from '../../test/support/watch-flows.js';
import { CollectorFeed, EventReader, type FlowDocument, sampleOfDocument } from './collector-feed.js';
import type { FlowSample } from './flow-table.js';

const FLOW: MeteredFlow = {
  start: T0,
  end: T0 + 1500,
  protocol: 6,
  sourceIp: '10.77.0.5',
  destinationIp: '198.51.100.20',
  sourcePort: 45678,
  destinationPort: 5201,
  packets: 14000,
  bytes: 20_000_000,
  reversePackets: 7000,
  reverseBytes: 364_000,
  sourceFlags: 0x1b,
  destinationFlags: 0x13,
  vlan: 10,
  innerVlan: undefined,
  state: 'SF',
  history: 'ShADadFf',
  endReason: 'end',
  sourceMac: '02-00-00-00-00-05',
  destinationMac: '02-00-00-00-00-FE',
  sourceTtl: 64,
  destinationTtl: 62,
  fragments: 0,
  sizes: [7001, 0, 0, 0, 0, 13999, 0],
  initiatorKnown: true,
};

/** The document the collector writes for FLOW, as its pipeline hands it over. */
const record = toFlowRecord(tapFlowFacts(FLOW, { name: 'sensor1' }), {
  localNetworks: new LocalNetworks(['10.77.0.0/24']),
  now: T0 + 2000,
});
const json = record.json ?? JSON.stringify(record.doc);

/** The pipeline's record around a document: the stream reads only its dataset. */
const recordOf = (id: string, dataset = FLOW_DATASET) => ({ dataset, id, doc: {} });

describe('watch --from: flow documents as samples', () => {
  it('reads a flow document back into the sample the tap had, flags of both sides together', () => {
    expect(sampleOfDocument(JSON.parse(json) as FlowDocument)).toEqual({
      iface: 'sensor1',
      protocol: 6,
      sourceIp: '10.77.0.5',
      destinationIp: '198.51.100.20',
      sourcePort: 45678,
      destinationPort: 5201,
      vlan: 10,
      start: T0,
      end: T0 + 1500,
      packets: 14000,
      bytes: 20_000_000,
      reversePackets: 7000,
      reverseBytes: 364_000,
      sourceFlags: 0x1b,
      destinationFlags: 0,
      combinedFlags: true,
      state: 'SF',
      history: 'ShADadFf',
      sourceMac: '02-00-00-00-00-05',
      destinationMac: '02-00-00-00-00-FE',
      sizes: [7001, 0, 0, 0, 0, 13999, 0],
      open: false,
    } satisfies FlowSample);
    expect(sampleOfDocument({ source: { ip: '10.0.0.1' } })).toBeUndefined();
  });

  it('reads server-sent events however the bytes are cut', () => {
    const events: Array<[string, string]> = [];
    const reader = new EventReader((type, data) => events.push([type, data]));
    for (const piece of ['retry: 2000\n\nevent: fl', 'ows\r\ndata: {"a":1}\r\n\r', '\ndata: x\ndata: y\n\n'])
      reader.push(piece);
    expect(events).toEqual([
      ['flows', '{"a":1}'],
      ['message', 'x\ny'],
    ]);
  });
});

describe('watch --from: the collector’s /api/flows/stream', () => {
  const TOKEN = 'watch-test-token-0123456789abcdef';
  const stream = new FlowStream(10);
  let api: ApiServer;

  beforeAll(async () => {
    api = await startApiServer([{ pattern: /^\/api\/flows\/stream$/, stream: flowStream(stream) }], {
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      logger: pino({ level: 'silent' }),
    });
  });
  afterAll(() => api.close());

  async function polled(
    feed: CollectorFeed,
    test: (samples: FlowSample[]) => boolean,
  ): Promise<FlowSample[]> {
    const samples: FlowSample[] = [];
    const until = Date.now() + 10_000;
    while (!test(samples)) {
      if (Date.now() > until) throw new Error(`no such samples; status: ${feed.status()}`);
      await sleep(50);
      samples.push(...feed.poll().samples);
    }
    return samples;
  }

  it('hands a follower the newest flows kept, then each new one, and nothing but flows', async () => {
    stream.observe('netflow', [{ record: recordOf('early'), json }]);
    const feed = new CollectorFeed({ url: api.url, token: TOKEN });
    try {
      const early = await polled(feed, (s) => s.length >= 1);
      expect(early.map((s) => s.sourceIp)).toEqual(['10.77.0.5']);
      const later = json.replace('"10.77.0.5"', '"10.77.0.6"');
      stream.observe('zeek', [
        { record: recordOf('alert', 'flowtrail.alerts'), json: '{"not":"a flow"}' },
        { record: recordOf('later'), json: later },
      ]);
      const next = await polled(feed, (s) => s.length >= 1);
      expect(next.map((s) => s.sourceIp)).toEqual(['10.77.0.6']);
      expect(feed.status()).toBe('connected (2 flows)');
    } finally {
      await feed.close();
    }
  });

  it('without the token it is refused, and says so', async () => {
    const feed = new CollectorFeed({ url: api.url, token: undefined });
    try {
      const until = Date.now() + 10_000;
      while (!feed.status().startsWith('HTTP')) {
        if (Date.now() > until) throw new Error(`not refused: ${feed.status()}`);
        await sleep(50);
      }
      expect(feed.status()).toBe('HTTP 401: a bearer token is required (0 flows)');
    } finally {
      await feed.close();
    }
  });
});
