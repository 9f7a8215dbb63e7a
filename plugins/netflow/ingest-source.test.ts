import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ObserverEnricher } from '../../src/enrich/observer-enricher.js';
import { LAB_FLOWS } from '../../test/support/netflow/fixtures.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { createPcapIngestSource } from './ingest-source.js';

describeNeeding(fixturesMissing())('NetFlow pcap ingest', () => {
  it('names the exporter of every flow from the configured enrichment', async () => {
    const ctx = recordingContext();
    const enricher = new ObserverEnricher({
      observers: { names: { '127.0.0.1': 'lab-probe' } },
      interfaces: {},
    });
    await createPcapIngestSource([join(LAB_FLOWS, 'softflowd-v9.pcap')], {
      localNetworks: PRIVATE_NETWORKS,
      enricher,
    }).run(ctx);
    expect(ctx.records).toHaveLength(2900);
    const names = new Set(
      ctx.records.map((r) => (JSON.parse(r.json as string).observer as { name?: string }).name),
    );
    expect([...names]).toEqual(['lab-probe']);
  });
});
