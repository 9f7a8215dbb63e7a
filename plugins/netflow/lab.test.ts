import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { pcapPayloads } from '../../test/support/netflow/fixtures.js';
import {
  captureWindow,
  decodeAgainstNfdump,
  fixtureLabMissing,
  LAB_PROBES,
  type LabFlows,
  labFlows,
  labMissing,
} from '../../test/support/netflow/lab-flows.js';
import { describeNeeding, itNeeding } from '../../test/support/requirements.js';
import { decodePayloads } from './offline.js';

/** The fixtures' capture ran from 22:05:34 to 22:05:46 UTC (lab/README.md). */
const FIXTURE_WINDOW = { start: Date.UTC(2026, 10, 21, 22, 5, 34), end: Date.UTC(2026, 10, 21, 22, 5, 47) };

/** The whole seconds the capture spans: exporters state flow times in seconds or milliseconds of uptime. */
function window(lab: LabFlows): { start: number; end: number } {
  if (lab.fromFixtures) return FIXTURE_WINDOW;
  const { first, last } = captureWindow(lab.uplink);
  return { start: Math.floor(first / 1000) * 1000, end: Math.floor(last / 1000) * 1000 + 1000 };
}

// The shared fixtures' lab when present, else one make-lab.sh makes (once; it takes under a minute).
describeNeeding(labMissing())('lab exports against nfdump', () => {
  let lab: LabFlows;
  beforeAll(async () => {
    lab = await labFlows();
  }, 300_000);

  for (const probe of LAB_PROBES) {
    it(`${probe}: same flows as nfdump, all inside the capture window`, () => {
      const { result, ours, nfdump, nfdumpRecords } = decodeAgainstNfdump(lab.flows, probe);
      expect(result.errors).toEqual([]);
      expect(result.flows).toHaveLength(nfdumpRecords);
      expect(ours).toEqual(nfdump);
      const { start, end } = window(lab);
      for (const flow of result.flows) {
        expect(flow.start).toBeGreaterThanOrEqual(start);
        expect(flow.end).toBeLessThan(end);
        expect(flow.end).toBeGreaterThanOrEqual(flow.start ?? 0);
      }
      const stats = Object.values(result.stats)[0];
      expect(stats.malformed + stats.lostPackets + stats.lostRecords + stats.sequenceResets).toBe(0);
    });
  }

  itNeeding(fixtureLabMissing())("the fixtures' capture is the one lab/README.md describes", () => {
    const { first, last, packets } = captureWindow(lab.uplink);
    expect(packets).toBe(4243);
    expect(first).toBeGreaterThanOrEqual(FIXTURE_WINDOW.start);
    expect(last).toBeLessThan(FIXTURE_WINDOW.end);
  });

  it('pmacct v9 and IPFIX exports carry the same ICMP types and codes', () => {
    const icmp = (probe: string) =>
      decodePayloads(pcapPayloads(join(lab.flows, `${probe}.pcap`)))
        .flows.filter((f) => f.protocol === 1 || f.protocol === 58)
        .map((f) => `${f.sourceIp} ${f.destinationIp} ${f.protocol} ${f.sourcePort} ${f.destinationPort}`)
        .sort();
    const v9 = icmp('pmacct-v9');
    expect(v9.length).toBeGreaterThan(0);
    expect(v9).toEqual(icmp('pmacct-ipfix'));
  });
});
