import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createEnrichers } from '../../src/enrich/enrichers.js';
import { enrichmentSettings } from '../../src/enrich/settings.js';
import { LAB_FLOWS } from '../../test/support/netflow/fixtures.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { createPcapIngestSource } from './ingest-source.js';

describeNeeding(fixturesMissing())('NetFlow pcap ingest', () => {
  it('names the exporter of every flow from the configured enrichment', async () => {
    const ctx = recordingContext();
    const enrichers = createEnrichers(
      enrichmentSettings.parse({ observers: { names: { '127.0.0.1': 'lab-probe' } } }),
      { localNetworks: [], warn: () => {} },
    );
    await createPcapIngestSource([join(LAB_FLOWS, 'softflowd-v9.pcap')], {
      localNetworks: PRIVATE_NETWORKS,
      enrichers,
    }).run(ctx);
    expect(ctx.records).toHaveLength(2900);
    const names = new Set(
      ctx.records.map((r) => (JSON.parse(r.json as string).observer as { name?: string }).name),
    );
    expect([...names]).toEqual(['lab-probe']);
  });
});
