import { ParseError } from '../../src/errors.js';
import { parseCsvRows } from '../../src/util/csv.js';
import type { SnortAlert } from './alert.js';
import type { TimeContext } from './fast.js';
import { parseSnortTime, snortEpoch } from './time.js';

/** Snort 2's default alert_csv field order (`output alert_csv: <file> default`). */
const COLUMNS = [
  'timestamp',
  'sig_generator',
  'sig_id',
  'sig_rev',
  'msg',
  'proto',
  'src',
  'srcport',
  'dst',
  'dstport',
  'ethsrc',
  'ethdst',
  'ethlen',
  'tcpflags',
  'tcpseq',
  'tcpack',
  'tcplen',
  'tcpwindow',
  'ttl',
  'tos',
  'id',
  'dgmlen',
  'iplen',
  'icmptype',
  'icmpcode',
  'icmpid',
  'icmpseq',
] as const;

type Row = Record<(typeof COLUMNS)[number], string>;

function int(value: string): number | undefined {
  if (value === '') return undefined;
  const n = value.startsWith('0x') ? Number.parseInt(value.slice(2), 16) : Number(value);
  return Number.isNaN(n) ? undefined : n;
}

function prune(object: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [group, values] of Object.entries(object)) {
    const kept = Object.entries(values).filter(([, v]) => v !== undefined);
    if (kept.length > 0) out[group] = Object.fromEntries(kept);
  }
  return out;
}

/** One alert_csv line in the default column order. */
export function parseCsv(line: string, t: TimeContext): SnortAlert {
  const values = parseCsvRows(line)[0] ?? [];
  if (values.length !== COLUMNS.length)
    throw new ParseError(`snort csv: ${values.length} columns, expected ${COLUMNS.length}`);
  const row = Object.fromEntries(COLUMNS.map((name, i) => [name, values[i].trim()])) as Row;
  const sid = int(row.sig_id);
  if (sid === undefined) throw new ParseError('snort csv: no sig_id');
  const tcp = row.proto === 'TCP';
  return {
    time: snortEpoch(parseSnortTime(row.timestamp).time, t.timezone, t.reference),
    gid: int(row.sig_generator) ?? 1,
    sid,
    rev: int(row.sig_rev) ?? 0,
    msg: row.msg,
    proto: row.proto || undefined,
    sourceIp: row.src || undefined,
    sourcePort: int(row.srcport),
    destinationIp: row.dst || undefined,
    destinationPort: int(row.dstport),
    sourceMac: row.ethsrc || undefined,
    destinationMac: row.ethdst || undefined,
    details: prune({
      eth: { length: int(row.ethlen) },
      ip: { ttl: int(row.ttl), tos: int(row.tos), id: int(row.id), length: int(row.iplen) },
      dgm: { length: int(row.dgmlen) },
      tcp: tcp
        ? {
            flags: row.tcpflags.replaceAll('*', ''),
            seq: int(row.tcpseq),
            ack: int(row.tcpack),
            length: int(row.tcplen),
            window: int(row.tcpwindow),
          }
        : {},
      icmp: { type: int(row.icmptype), code: int(row.icmpcode), id: int(row.icmpid), seq: int(row.icmpseq) },
    }),
  };
}
