import { readFileSync } from 'node:fs';

/** One flow in the terms nfdump's CSV and our decoder share. */
export interface FlowTuple {
  sourceIp: string;
  destinationIp: string;
  /** For ICMP/ICMPv6: type and code, as our documents carry them. */
  sourcePort: number;
  destinationPort: number;
  protocol: number;
  tcpFlags: number;
  packets: number;
  bytes: number;
}

const PROTOCOLS: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMP6: 58 };
const FLAG_ORDER = 'CEUAPRSF';

/** nfdump's flag column (`...A.R..`, CWR first) as tcpControlBits. */
export function flagBits(text: string): number {
  let bits = 0;
  for (let i = 0; i < FLAG_ORDER.length; i++) if (text[i] === FLAG_ORDER[i]) bits |= 1 << (7 - i);
  return bits;
}

/**
 * A comparable key. nfdump prints ICMP type/code as type*256+code in the destination port column and leaves it 0
 * for ICMPv6 and for pmacct's v9 ICMP records (it does not read the elements these exporters use), so the column
 * is compared only where nfdump fills it (`compareIcmpCodes`).
 */
export function flowKey(f: FlowTuple, compareIcmpCodes = true): string {
  const icmp = f.protocol === 1 || f.protocol === 58;
  const sp = icmp ? 0 : f.sourcePort;
  const dp = icmp ? f.sourcePort * 256 + f.destinationPort : f.destinationPort;
  const icmpCode = f.protocol === 58 || (f.protocol === 1 && !compareIcmpCodes) ? '-' : dp;
  const flags = f.protocol === 6 ? f.tcpFlags & 0xff : 0;
  return [f.sourceIp, f.destinationIp, sp, icmpCode, f.protocol, flags, f.packets, f.bytes].join(' ');
}

/** The flows of an `nfdump -o csv` file (header line first); ICMP type/code are split out of `dp`. */
export function readNfdumpCsv(file: string): FlowTuple[] {
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',');
  const col = (name: string) => names.indexOf(name);
  const [sa, da, sp, dp, pr, flg, ipkt, ibyt] = ['sa', 'da', 'sp', 'dp', 'pr', 'flg', 'ipkt', 'ibyt'].map(
    col,
  );
  return rows.map((line) => {
    const c = line.split(',');
    const protocol = PROTOCOLS[c[pr]] ?? Number(c[pr]);
    const icmp = protocol === 1 || protocol === 58;
    const port = Number(c[dp]);
    return {
      sourceIp: c[sa],
      destinationIp: c[da],
      sourcePort: icmp ? port >> 8 : Number(c[sp]),
      destinationPort: icmp ? port & 0xff : port,
      protocol,
      tcpFlags: flagBits(c[flg]),
      packets: Number(c[ipkt]),
      bytes: Number(c[ibyt]),
    };
  });
}

/** Multiset of keys: equal maps mean the same flows, duplicates included. */
export function keyCounts(keys: string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const k of keys) map.set(k, (map.get(k) ?? 0) + 1);
  return map;
}
