import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRuntime } from '../../app/wiring/runtime.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { counterTotal } from '../../src/observability/metrics.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { restartElasticsearch } from '../../src/stack/index.js';
import { searchPattern } from '../../src/store/naming.js';
import { countDocs, quietLogger, testClient, testConfig } from '../support/es.js';

const client = testClient();
const local = new LocalNetworks(['10.0.0.0/8']);
const stackDataDir = inject('stackDataDir');

describe('elasticsearch restart in the middle of a stream of bulks', () => {
  afterAll(() => client.close());

  it.skipIf(stackDataDir === null)('loses nothing and duplicates nothing', async () => {
    await setupElasticsearch(client, {
      retentionMs: { flows: 86_400_000, alerts: 86_400_000, events: 86_400_000 },
      version: 'test',
    });
    const config = testConfig({
      elasticsearch: {
        bulk: { max_docs: 250, flush_interval: '50ms', concurrency: 2 },
        retry: { initial_backoff: '200ms', max_backoff: '2s' },
      },
      queue: { max_records: 2000 },
    });
    const index = searchPattern('flowtrail.flows', config.elasticsearch.namespace);
    const { pipeline, metrics } = createRuntime(config, client, quietLogger);
    await pipeline.start();

    const total = 30_000;
    const chunk = 500;
    const base = Date.parse('2026-11-21T00:00:00Z');
    let restarted: Promise<void> | undefined;
    for (let offset = 0; offset < total; offset += chunk) {
      const records = Array.from({ length: chunk }, (_, k) => {
        const i = offset + k;
        return toFlowRecord(
          {
            module: 'netflow',
            action: 'netflow_flow',
            protocol: 6,
            sourceIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
            destinationIp: '192.0.2.10',
            sourcePort: 1024 + (i % 60_000),
            destinationPort: 443,
            bytes: i,
            packets: 1,
            start: base + i,
            end: base + i + 10,
            identity: `restart:${i}`,
          },
          { localNetworks: local, now: base },
        );
      });
      await pipeline.emit('test', records);
      if (offset === total / 5)
        restarted = restartElasticsearch(stackDataDir as string, { downtimeMs: 3000 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await restarted;
    await pipeline.finish();

    expect(await countDocs(client, index)).toBe(total);
    // The outage really happened: some bulks had to be sent again.
    expect(await counterTotal(metrics.retries)).toBeGreaterThan(0);
  });
});
