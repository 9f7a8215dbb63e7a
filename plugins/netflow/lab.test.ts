import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { FlowFacts } from '../../src/schema/flow.js';
import { LAB_FLOWS, pcapPayloads } from '../../test/support/netflow/fixtures.js';
import { type FlowTuple, flowKey, keyCounts, readNfdumpCsv } from '../../test/support/netflow/nfdump.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import { decodePayloads } from './offline.js';

/** The lab capture ran from 22:05:34 to 22:05:46 UTC (lab/README.md). */
const WINDOW_START = Date.UTC(2026, 10, 21, 22, 5, 34);
const WINDOW_END = Date.UTC(2026, 10, 21, 22, 5, 47);

/** Our flow in the terms nfdump's CSV uses. */
function tuple(f: FlowFacts): FlowTuple {
  return {
    sourceIp: f.sourceIp,
    destinationIp: f.destinationIp,
    sourcePort: f.sourcePort ?? 0,
    destinationPort: f.destinationPort ?? 0,
    protocol: f.protocol,
    tcpFlags: f.tcpFlags ?? 0,
    packets: f.packets ?? 0,
    bytes: f.bytes ?? 0,
  };
}

describeNeeding(fixturesMissing())('lab exports against nfdump', () => {
  for (const probe of ['softflowd-v5', 'softflowd-v9', 'softflowd-ipfix', 'pmacct-v9', 'pmacct-ipfix']) {
    it(`${probe}: same flows as nfdump, all inside the capture window`, () => {
      const compareIcmpCodes = probe !== 'pmacct-v9';
      const result = decodePayloads(pcapPayloads(join(LAB_FLOWS, `${probe}.pcap`)));
      expect(result.errors).toEqual([]);
      const expected = readNfdumpCsv(join(LAB_FLOWS, `${probe}.nfdump.csv`));
      expect(result.flows).toHaveLength(expected.length);
      expect(keyCounts(result.flows.map((f) => flowKey(tuple(f), compareIcmpCodes)))).toEqual(
        keyCounts(expected.map((f) => flowKey(f, compareIcmpCodes))),
      );
      for (const flow of result.flows) {
        expect(flow.start).toBeGreaterThanOrEqual(WINDOW_START);
        expect(flow.end).toBeLessThan(WINDOW_END);
        expect(flow.end).toBeGreaterThanOrEqual(flow.start ?? 0);
      }
      const stats = Object.values(result.stats)[0];
      expect(stats.malformed + stats.lostPackets + stats.lostRecords + stats.sequenceResets).toBe(0);
    });
  }

  it('pmacct v9 and IPFIX exports carry the same ICMP types and codes', () => {
    const icmp = (probe: string) =>
      decodePayloads(pcapPayloads(join(LAB_FLOWS, `${probe}.pcap`)))
        .flows.filter((f) => f.protocol === 1 || f.protocol === 58)
        .map((f) => `${f.sourceIp} ${f.destinationIp} ${f.protocol} ${f.sourcePort} ${f.destinationPort}`)
        .sort();
    const v9 = icmp('pmacct-v9');
    expect(v9.length).toBeGreaterThan(0);
    expect(v9).toEqual(icmp('pmacct-ipfix'));
  });
});
