import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles } from '../../test/support/codec.js';
import { FIXTURES } from '../../test/support/fixtures.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { snortCodec } from './codec.js';
import { parseFast } from './fast.js';
import { parseSnortTime, snortEpoch } from './time.js';

const wall = (text: string) => parseSnortTime(text).time;

describe('snort year inference', () => {
  it('takes the reference year when that is not in the future', () => {
    expect(
      new Date(
        snortEpoch(wall('05/30-19:09:10.917356'), 'UTC', Date.parse('2022-12-31T00:00:00Z')),
      ).toISOString(),
    ).toBe('2022-05-30T19:09:10.917Z');
  });

  it('goes back a year across new year', () => {
    const reference = Date.parse('2027-01-01T00:00:30Z');
    expect(new Date(snortEpoch(wall('12/31-23:59:59.500000'), 'UTC', reference)).toISOString()).toBe(
      '2026-12-31T23:59:59.500Z',
    );
  });

  it('judges new year in the configured zone', () => {
    // 2027-01-01T03:00Z is still Dec 31 in Chicago, so a Dec 31 21:00 alert belongs to 2026.
    const reference = Date.parse('2027-01-01T03:30:00Z');
    expect(
      new Date(snortEpoch(wall('12/31-21:00:00.000000'), 'America/Chicago', reference)).toISOString(),
    ).toBe('2027-01-01T03:00:00.000Z');
  });

  it('puts Feb 29 in the last leap year', () => {
    const reference = Date.parse('2027-03-01T00:00:00Z');
    expect(new Date(snortEpoch(wall('02/29-12:00:00.000000'), 'UTC', reference)).toISOString()).toBe(
      '2024-02-29T12:00:00.000Z',
    );
  });

  it('uses the year when Snort wrote one (-y)', () => {
    expect(new Date(snortEpoch(wall('11/21/26-22:05:42.500630'), '+01:00', 0)).toISOString()).toBe(
      '2026-11-21T21:05:42.500Z',
    );
  });
});

describeNeeding(fixturesMissing())('snort alert_fast', () => {
  it('parses a portscan line without ports', () => {
    const alert = parseFast(
      '11/21-22:05:42.757828  [**] [122:3:1] (portscan) TCP Portsweep [**] [Classification: Attempted Information Leak] [Priority: 2] {PROTO:255} 203.0.113.66 -> 10.77.0.20',
      { timezone: 'UTC', reference: Date.parse('2026-11-22T00:00:00Z') },
    );
    expect(alert).toMatchObject({
      gid: 122,
      sid: 3,
      rev: 1,
      msg: '(portscan) TCP Portsweep',
      proto: 'PROTO:255',
      priority: 2,
    });
    expect(alert.sourcePort).toBeUndefined();
    expect(alert.destinationIp).toBe('10.77.0.20');
  });

  it('reads every line of the lab file', async () => {
    const ctx = recordingContext();
    const source = ingestFiles(snortCodec, [join(FIXTURES, 'lab', 'snort-alert_fast.log')], {
      localNetworks: PRIVATE_NETWORKS,
      now: () => Date.parse('2026-11-22T00:00:00Z'),
    });
    await source.run(ctx);
    expect(ctx.dead).toEqual([]);
    expect(ctx.records.map((r) => r.doc['@timestamp'])).toEqual([
      '2026-11-21T22:05:42.500Z',
      '2026-11-21T22:05:42.598Z',
      '2026-11-21T22:05:42.757Z',
      '2026-11-21T22:05:44.023Z',
    ]);
    expect(ctx.records[0].doc).toMatchObject({
      rule: { id: '1000001', version: '1', category: 'Potential Corporate Privacy Violation' },
      event: { severity: 1, module: 'snort' },
      snort: { gid: 1 },
      network: { transport: 'tcp', direction: 'inbound', community_id: '1:Uf7q5Hy3aI/ZdiqH/id2MTqM8Ag=' },
    });
    expect(ctx.records[2].doc).toMatchObject({
      rule: { id: '3' },
      snort: { gid: 122 },
      source: { ip: '203.0.113.66' },
    });
  });
});
