import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FlowFacts } from '../../src/schema/flow.js';
import { decodePayloads } from './offline.js';
import { LAB_FLOWS, pcapPayloads } from './testing/fixtures.js';

/** The lab capture ran from 22:05:34 to 22:05:46 UTC (lab/README.md). */
const WINDOW_START = Date.UTC(2026, 10, 21, 22, 5, 34);
const WINDOW_END = Date.UTC(2026, 10, 21, 22, 5, 47);

const PROTOCOLS: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMP6: 58 };
const FLAG_ORDER = 'CEUAPRSF';

/** nfdump's flag column (`...A.R..`, CWR first) as tcpControlBits. */
function flagBits(text: string): number {
  let bits = 0;
  for (let i = 0; i < FLAG_ORDER.length; i++) if (text[i] === FLAG_ORDER[i]) bits |= 1 << (7 - i);
  return bits;
}

let compareIcmpCodes = true;

/**
 * One flow in the terms both sides share: nfdump prints ICMP type/code as type*256+code in the port column.
 * nfdump leaves it 0 for ICMPv6 and for pmacct's v9 ICMP records (it does not read the elements these exporters
 * use), so the column is compared only where nfdump fills it; the type/codes of those flows are checked against
 * the same probe's IPFIX export instead.
 */
function key(
  sa: string,
  da: string,
  sp: number,
  dp: number,
  pr: number,
  flags: number,
  pkts: number,
  bytes: number,
) {
  const icmpCode = pr === 58 || (pr === 1 && !compareIcmpCodes) ? '-' : dp;
  return [sa, da, sp, icmpCode, pr, flags, pkts, bytes].join(' ');
}

function nfdumpKeys(csv: string): string[] {
  const [header, ...rows] = readFileSync(join(LAB_FLOWS, csv), 'utf8').trim().split('\n');
  const col = (name: string) => header.split(',').indexOf(name);
  const [sa, da, sp, dp, pr, flg, ipkt, ibyt] = ['sa', 'da', 'sp', 'dp', 'pr', 'flg', 'ipkt', 'ibyt'].map(
    col,
  );
  return rows.map((line) => {
    const c = line.split(',');
    const protocol = PROTOCOLS[c[pr]] ?? Number(c[pr]);
    return key(
      c[sa],
      c[da],
      Number(c[sp]),
      Number(c[dp]),
      protocol,
      flagBits(c[flg]),
      Number(c[ipkt]),
      Number(c[ibyt]),
    );
  });
}

function flowKey(f: FlowFacts): string {
  const icmp = f.protocol === 1 || f.protocol === 58;
  const sp = icmp ? 0 : (f.sourcePort ?? 0);
  const dp = icmp ? (f.sourcePort ?? 0) * 256 + (f.destinationPort ?? 0) : (f.destinationPort ?? 0);
  const flags = f.protocol === 6 ? (f.tcpFlags ?? 0) & 0xff : 0;
  return key(f.sourceIp, f.destinationIp, sp, dp, f.protocol, flags, f.packets ?? 0, f.bytes ?? 0);
}

function counts(keys: string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const k of keys) map.set(k, (map.get(k) ?? 0) + 1);
  return map;
}

describe('lab exports against nfdump', () => {
  for (const probe of ['softflowd-v5', 'softflowd-v9', 'softflowd-ipfix', 'pmacct-v9', 'pmacct-ipfix']) {
    it(`${probe}: same flows as nfdump, all inside the capture window`, () => {
      compareIcmpCodes = probe !== 'pmacct-v9';
      const result = decodePayloads(pcapPayloads(join(LAB_FLOWS, `${probe}.pcap`)));
      expect(result.errors).toEqual([]);
      const expected = nfdumpKeys(`${probe}.nfdump.csv`);
      expect(result.flows).toHaveLength(expected.length);
      expect(counts(result.flows.map(flowKey))).toEqual(counts(expected));
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
