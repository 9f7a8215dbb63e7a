import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../test/support/codec.js';
import { FIXTURES } from '../../test/support/fixtures.js';
import { fixturesMissing, itNeeding } from '../../test/support/requirements.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { suricataCodec } from './codec.js';
import { parseEve, parseEveTime } from './eve.js';

async function ingest(path: string) {
  const ctx = recordingContext();
  await ingestFiles(suricataCodec, [path], { localNetworks: PRIVATE_NETWORKS, now: () => 0 }).run(ctx);
  return ctx;
}

describe('suricata eve', () => {
  it('keeps 64-bit flow ids exact', () => {
    const { flowId } = parseEve('{"event_type":"flow","flow_id":18446744073709551615}');
    expect(flowId).toBe('18446744073709551615');
  });

  it('reads offsets without a colon', () => {
    expect(new Date(parseEveTime('2021-01-27T01:28:11.488362+0100') ?? 0).toISOString()).toBe(
      '2021-01-27T00:28:11.488Z',
    );
  });

  itNeeding(fixturesMissing())('maps the lab alerts with their flow and community ids', async () => {
    const { records, dead } = await ingest(join(FIXTURES, 'lab', 'suricata-eve.json'));
    expect(dead).toEqual([]);
    expect(records).toHaveLength(3);
    expect(records[0].dataset).toBe('flowtrail.alerts');
    expect(records[0].doc).toMatchObject({
      rule: { id: '1000001', name: 'LOCAL SSH connection to private host from outside', version: '1' },
      event: { type: ['allowed'], severity: 1, module: 'suricata' },
      flow: { id: '1425178273901245' },
      network: { community_id: '1:Uf7q5Hy3aI/ZdiqH/id2MTqM8Ag=' },
      observer: { ingress: { interface: { name: 'rwan0' } } },
    });
  });

  itNeeding(fixturesMissing())('reads the beats alert file, ending with an empty line', async () => {
    const { records, dead } = await ingest(join(FIXTURES, 'ids', 'suricata-beats', 'eve-alerts.log'));
    expect(dead).toEqual([]);
    expect(records.map((r) => r.dataset).filter((d) => d === 'flowtrail.alerts')).toHaveLength(21);
    expect(records[20].dataset).toBe('flowtrail.suricata_tls');
  });
});
