import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import {
  type AlertContext,
  type CorrelationSettings,
  correlateAlert,
  correlationSettings,
} from '../../src/correlate/correlator.js';
import type { AlertDoc } from '../../src/correlate/documents.js';
import { search } from '../../src/correlate/es.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { toAlertRecord } from '../../src/schema/alert.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { quietLogger, testClient, testConfig } from '../support/es.js';

const client = testClient();

const store = elasticsearchStore(client);
const local = new LocalNetworks(['10.1.0.0/16']);
const T = Date.parse('2026-11-21T12:00:00.000Z');
const MINUTE = 60_000;
/** The alert's endpoints. */
const X = '10.1.0.1';
const Y = '10.1.0.2';
/** Peer `a` is 192.0.2.1, `b` 192.0.2.2, and so on. */
const peer = (name: string) => `192.0.2.${name.charCodeAt(0) - 96}`;

/**
 * With a 10-minute window and a 1-hour history, "new" before the alert means no flow in [T-70m, T-10m), and
 * after it no flow in [T-60m, T) (which holds the window before the alert). Each peer's flows with X, as
 * offsets from the alert in ms, sit on one side of a boundary or exactly on it.
 */
const X_FLOWS: Record<string, number[]> = {
  a: [-65 * MINUTE, 5 * MINUTE], // history of the window before only: new after
  b: [-30 * MINUTE, 5 * MINUTE], // both histories: seen after
  c: [-70 * MINUTE, -5 * MINUTE], // the first millisecond of the earlier history: seen before
  d: [-60 * MINUTE, 5 * MINUTE], // the first millisecond of the later history: seen after
  e: [-71 * MINUTE, -5 * MINUTE, 5 * MINUTE], // older than the history: new before; the window before: seen after
  f: [-10 * MINUTE], // the first millisecond of the window before, not its history: new before
  g: [5 * MINUTE], // only after: new after (though Y has seen it)
  i: [-10 * MINUTE - 1, -2 * MINUTE], // the last millisecond of the earlier history: seen before
  j: [0], // the alert's own millisecond belongs to the window after: new after
};
/** Y's peers: it already knows g, which X does not; h is new to it. */
const Y_FLOWS: Record<string, number[]> = {
  e: [-30 * MINUTE, 3 * MINUTE],
  g: [-30 * MINUTE, 4 * MINUTE],
  h: [4 * MINUTE],
};

function flow(source: string, destination: string, offset: number, n: number): PipelineRecord {
  const end = T + offset;
  return toFlowRecord(
    {
      module: 'netflow',
      action: 'netflow_flow',
      protocol: 6,
      sourceIp: source,
      destinationIp: destination,
      sourcePort: 50_000 + n,
      destinationPort: 443,
      bytes: 1000,
      packets: 2,
      start: end,
      end,
      tcpFlags: 0x1b,
      identity: `peers-test:${n}`,
    },
    { localNetworks: local, now: Date.now() },
  );
}

function records(): PipelineRecord[] {
  const out: PipelineRecord[] = [];
  for (const [ip, flows] of [
    [X, X_FLOWS],
    [Y, Y_FLOWS],
  ] as const)
    for (const [name, offsets] of Object.entries(flows))
      for (const offset of offsets) out.push(flow(ip, peer(name), offset, out.length));
  // The alert's own session, and an earlier one between its endpoints.
  out.push(flow(X, Y, 1000, out.length), flow(X, Y, -20 * MINUTE, out.length + 1));
  return out;
}

describe('peers never seen before, around an alert', () => {
  let settings: CorrelationSettings;
  let context: AlertContext;

  beforeAll(async () => {
    await setupElasticsearch(client, {
      retentionMs: { flows: 3650 * 86_400_000, alerts: 3650 * 86_400_000, events: 3650 * 86_400_000 },
      version: 'test',
    });
    const config = testConfig({
      local_networks: ['10.1.0.0/16'],
      correlation: { window: '10m', history: '1h' },
    });
    settings = correlationSettings(config);
    const alert = toAlertRecord(
      {
        module: 'snort',
        action: 'alert',
        time: T,
        rule: { id: '1', name: 'alert between X and Y' },
        protocol: 6,
        sourceIp: X,
        destinationIp: Y,
        identity: 'peers-test-alert',
      },
      { localNetworks: local, now: Date.now() },
    );
    const { pipeline } = createRuntime(config, client, quietLogger);
    await pipeline.start();
    await pipeline.emit('test', [...records(), alert]);
    await pipeline.finish();
    await client.indices.refresh({ index: `${settings.indices.flows},${settings.indices.alerts}` });
    const [hit] = (await search<AlertDoc>(store, settings.indices.alerts, { size: 1 })).hits.hits;
    context = (await correlateAlert(store, hit._source, settings)).context;
  });
  afterAll(() => client.close());

  const names = (ips: string[]) =>
    ips
      .map((ip) => (ip === X ? 'X' : ip === Y ? 'Y' : String.fromCharCode(96 + Number(ip.split('.')[3]))))
      .sort();

  it('judges the window before the alert against the history before that window', () => {
    expect(context.source?.before.peers).toBe(4);
    expect(names(context.source?.before.new_peers ?? [])).toEqual(['e', 'f']);
    expect(context.source?.before.new_peer_count).toBe(2);
  });

  it('judges the window after the alert against the history before the alert', () => {
    expect(context.source?.after.peers).toBe(7);
    expect(names(context.source?.after.new_peers ?? [])).toEqual(['a', 'g', 'j']);
    expect(context.source?.after.new_peer_count).toBe(3);
  });

  it("judges each endpoint by its own history, not the other's", () => {
    expect(context.destination?.before.peers).toBe(0);
    expect(context.destination?.after.peers).toBe(4);
    expect(names(context.destination?.after.new_peers ?? [])).toEqual(['h']);
  });
});
