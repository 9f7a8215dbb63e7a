import { describe, expect, it, vi } from 'vitest';
import type { StreamInfo } from '../../src/codec/types.js';
import type { PipelineRecord } from '../../src/pipeline/types.js';
import { seededRandom } from '../../test/support/random.js';
import { PRIVATE_NETWORKS } from '../../test/support/source-context.js';
import { NativeConnMapper, nativeConnUnavailable } from './conn-native.js';
import { ZeekDecoder } from './decoder.js';
import { zeekIdentity } from './identity.js';
import { mapZeek } from './map.js';
import { ZeekTsvParser } from './tsv.js';

const ctx: StreamInfo = {
  name: 'conn.log',
  identity: 'fp',
  timezone: 'UTC',
  reference: 0,
  localNetworks: PRIVATE_NETWORKS,
  now: () => Date.parse('2026-11-22T03:00:00.123Z'),
};

type Pick = <T>(items: readonly T[]) => T;

/** A conn.log column: its name, Zeek type and a value generator. */
interface Col {
  name: string;
  type: string;
  value: (pick: Pick) => string;
}

const TEXTS = ['ShADadFf', 'a"b', 'back\\\\slash', 'tab\\x09in', 'é€', '\\x01', '\\x7', '(empty)', '-', ''];
const NUMBERS = [
  '0',
  '7',
  '40',
  '1234567',
  '007',
  '-5',
  '-0',
  '0.000357',
  '2.5',
  '.5',
  '5.',
  '.',
  '1e3',
  '0x10',
  ' 12',
  '',
  'NaN',
  'Infinity',
  '123456789012345678901',
  '9007199254740993',
  '(empty)',
  '-',
  'x',
];
const TIMES = ['1521911720.123456', '1521911720', '0.000001', '1700000000.999999', 'XXXXXXXXXX.XXXXXX', '-'];
const ADDRESSES = [
  '192.168.1.10',
  '10.0.0.1',
  '75.126.130.163',
  'fe80::1',
  '2001:db8::aa:1',
  'bogus',
  '-',
  '',
];
const PROTOCOLS = ['tcp', 'udp', 'icmp', 'TCP', '6', 'unknown_transport', '-'];
const STATES = ['SF', 'S0', 'REJ', 'OTH', 'XYZ', 'toString', '-', '(empty)'];
const FLAGS = ['T', 'F', '-', 'x'];

const text = (pick: Pick) => pick(TEXTS);
const number = (pick: Pick) => pick(NUMBERS);
const count = (pick: Pick) => pick(['0', '1', '40', '65535', '123456', ...NUMBERS]);

const STANDARD: Col[] = [
  { name: 'ts', type: 'time', value: (pick) => pick(TIMES) },
  { name: 'uid', type: 'string', value: (pick) => pick(['CHhAvVGS1DHFjwGM9', 'C1', '-', 'u"id']) },
  { name: 'id.orig_h', type: 'addr', value: (pick) => pick(ADDRESSES) },
  { name: 'id.orig_p', type: 'port', value: count },
  { name: 'id.resp_h', type: 'addr', value: (pick) => pick(ADDRESSES) },
  { name: 'id.resp_p', type: 'port', value: count },
  { name: 'proto', type: 'enum', value: (pick) => pick(PROTOCOLS) },
  { name: 'service', type: 'string', value: (pick) => pick(['dns', 'http,ssl', '-', ...TEXTS]) },
  { name: 'duration', type: 'interval', value: number },
  { name: 'orig_bytes', type: 'count', value: count },
  { name: 'resp_bytes', type: 'count', value: count },
  { name: 'conn_state', type: 'string', value: (pick) => pick(STATES) },
  { name: 'local_orig', type: 'bool', value: (pick) => pick(FLAGS) },
  { name: 'local_resp', type: 'bool', value: (pick) => pick(FLAGS) },
  { name: 'missed_bytes', type: 'count', value: count },
  { name: 'history', type: 'string', value: text },
  { name: 'orig_pkts', type: 'count', value: count },
  { name: 'orig_ip_bytes', type: 'count', value: count },
  { name: 'resp_pkts', type: 'count', value: count },
  { name: 'resp_ip_bytes', type: 'count', value: count },
  {
    name: 'tunnel_parents',
    type: 'set[string]',
    value: (pick) => pick(['-', '(empty)', 'Ca,Cb', 'C\\x2c1']),
  },
  { name: 'ip_proto', type: 'count', value: (pick) => pick(['6', '17', '1', '58', '-', '47']) },
];

const OPTIONAL: Col[] = [
  { name: 'community_id', type: 'string', value: (pick) => pick(['1:abc=', '-', 'x"y']) },
  { name: 'orig_l2_addr', type: 'string', value: (pick) => pick(['00:11:22:33:44:55', '-']) },
  { name: 'resp_l2_addr', type: 'string', value: (pick) => pick(['66:77:88:99:aa:bb', '-']) },
  { name: 'vlan', type: 'int', value: count },
  { name: 'inner_vlan', type: 'int', value: count },
  { name: 'rtt', type: 'vector[interval]', value: (pick) => pick(['0.5,1.000000', '(empty)', 'x,2', '-']) },
  { name: 'first_seen', type: 'time', value: (pick) => pick(TIMES) },
  { name: 'score', type: 'double', value: number },
  { name: 'tags', type: 'set[enum]', value: (pick) => pick(['A,B', '(empty)', '-']) },
  { name: 'note', type: 'string', value: text },
  { name: 'untyped', type: '', value: text },
];

/** Layouts the fast path leaves to the reference: both must still agree. */
const ODD: Col[] = [
  { name: 'inner.id', type: 'string', value: text },
  { name: '7', type: 'count', value: count },
  { name: 'history', type: 'string', value: text },
  { name: 'vlan', type: 'set[int]', value: (pick) => pick(['1,2', '-']) },
];

function layout(next: () => number, pick: Pick): Col[] {
  const cols = STANDARD.filter((col) => col.name === 'ts' || next() < 0.93);
  for (const col of OPTIONAL) if (next() < 0.3) cols.splice(Math.floor(next() * (cols.length + 1)), 0, col);
  if (next() < 0.1) cols.push(pick(ODD));
  if (next() < 0.05) {
    const ts = cols.findIndex((col) => col.name === 'ts');
    cols[ts] = { ...cols[ts], type: 'double' };
  }
  return cols;
}

function header(cols: Col[], next: () => number, pick: Pick): { lines: string[]; separator: string } {
  const separator = next() < 0.1 ? '|' : '\t';
  const lines = [
    separator === '|' ? '#separator \\x7c' : '#separator \\x09',
    `#set_separator${separator},`,
    `#empty_field${separator}${next() < 0.1 ? 'EMPTY' : '(empty)'}`,
    `#unset_field${separator}${next() < 0.1 ? 'NONE' : '-'}`,
  ];
  if (next() < 0.9) lines.push(`#path${separator}${pick(['conn', 'conn', 'dns'])}`);
  lines.push(`#fields${separator}${cols.map((c) => c.name).join(separator)}`);
  if (next() < 0.97) lines.push(`#types${separator}${cols.map((c) => c.type).join(separator)}`);
  return { lines, separator };
}

/**
 * Values of the kind nearly every real conn.log holds, with the edges of what the native mapper writes itself:
 * the lines it leaves to TypeScript are a minority here, unlike with the columns' own generators.
 */
const PLAIN: Record<string, readonly string[]> = {
  ts: ['1521911720.123456', '0', '0.000001', '1700000000.999999', '253402300799.999', '253402300800', '-1.5'],
  uid: ['CHhAvVGS1DHFjwGM9', 'C1', '(empty)'],
  'id.orig_h': [
    '192.168.1.10',
    '75.126.130.163',
    '0.0.0.0',
    'fe80::1',
    '2001:db8::aa:1',
    '::',
    '1::',
    'FD12::AB',
    '::ffff:0a00:0001',
    '::ffff:10.0.0.1',
    'fe80::1%eth0',
    '010.0.0.1',
    '1:2:3:4:5:6:7:8:9',
  ],
  'id.resp_h': [
    '10.0.0.1',
    '255.255.255.255',
    '::1',
    'fd00:1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8',
    '2001:db8::aa:1',
  ],
  'id.orig_p': ['0', '8', '3', '128', '135', '53', '40000', '-0', '65535'],
  'id.resp_p': ['0', '53', '80', '443', '129', '65535', '-7', '2.5', '-'],
  proto: ['tcp', 'udp', 'icmp', 'sctp', 'icmp6', 'tcp', 'udp', 'unknown_transport', 'Udp'],
  service: ['dns', 'http,ssl', '-', '(empty)'],
  duration: ['0.000357', '2.5', '0', '-0.5', '123.456789', '0.0000000005', '0.0000000015', '1e-3', '-'],
  conn_state: ['SF', 'S0', 'REJ', 'OTH', 'XYZ', 'toString', '-', '(empty)'],
  history: ['ShADadFf', 'D', '(empty)', '-'],
  tunnel_parents: ['-', '(empty)', 'Ca,Cb', 'C1'],
  community_id: ['1:abc=', '-', '-', '(empty)'],
  vlan: ['1', '4094', '-', '0', '-0'],
  ip_proto: ['6', '17', '1', '58', '99', '132', '300', '-'],
  rtt: ['-'],
  first_seen: ['-'],
  score: ['1', '-', '007', '-12'],
};
const PLAIN_COUNTS = ['0', '1', '40', '65535', '123456', '9007199254740991', '-', '007'];
for (const name of ['orig_bytes', 'resp_bytes', 'missed_bytes', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts']) {
  PLAIN[name] = PLAIN_COUNTS;
}
PLAIN.resp_ip_bytes = PLAIN_COUNTS;
PLAIN.inner_vlan = PLAIN_COUNTS;

function dataLine(
  cols: Col[],
  separator: string,
  next: () => number,
  pick: Pick,
  plain: Record<string, readonly string[]> = {},
): string {
  const values = cols.map((col) => (plain[col.name] === undefined ? col.value(pick) : pick(plain[col.name])));
  if (next() < 0.03) values.pop();
  return values.join(separator);
}

/** The reference: the record ZeekTsvParser builds, mapped by name, with the identity every Zeek record gets. */
function reference(tsv: ZeekTsvParser, line: string): PipelineRecord | string | undefined {
  try {
    const entry = tsv.parse(line);
    if (entry === undefined) return undefined;
    const log = entry.path ?? 'conn';
    return mapZeek(log, entry.record, zeekIdentity(log, entry.record), ctx);
  } catch (error) {
    return (error as Error).message;
  }
}

function fast(parser: ZeekDecoder, line: string, number: number): PipelineRecord | string | undefined {
  try {
    return parser.decode({ text: line, offset: number, number });
  } catch (error) {
    return (error as Error).message;
  }
}

function outcome(result: PipelineRecord | string | undefined): unknown {
  if (result === undefined || typeof result === 'string') return result;
  return { dataset: result.dataset, id: result.id, json: result.json };
}

/**
 * Generated logs read three ways: by the record-by-record reference, by the TypeScript fast path and by the parser
 * as users run it (the native mapper first where it is built). Returns how many lines became records and how many
 * of those the native mapper wrote.
 */
function compareGenerated(seed: number, plain?: Record<string, readonly string[]>) {
  const next = seededRandom(seed);
  const pick: Pick = (items) => items[Math.floor(next() * items.length)];
  const nativeMap = vi.spyOn(NativeConnMapper.prototype, 'map');
  let records = 0;
  for (let file = 0; file < 300; file++) {
    const cols = layout(next, pick);
    const { lines, separator } = header(cols, next, pick);
    const typescript = new ZeekDecoder(ctx, { native: false });
    const parser = new ZeekDecoder(ctx);
    const tsv = new ZeekTsvParser();
    for (const line of lines) {
      expect(fast(typescript, line, 0)).toBeUndefined();
      expect(fast(parser, line, 0)).toBeUndefined();
      tsv.parse(line);
    }
    for (let i = 1; i <= 40; i++) {
      const line = dataLine(cols, separator, next, pick, plain);
      const expected = outcome(reference(tsv, line));
      expect(outcome(fast(typescript, line, i)), `${lines.join('\n')}\n${line}`).toEqual(expected);
      expect(outcome(fast(parser, line, i)), `native: ${lines.join('\n')}\n${line}`).toEqual(expected);
      if (typeof expected === 'object') records++;
    }
  }
  const native = nativeMap.mock.results.filter((r) => r.type === 'return' && r.value !== undefined).length;
  nativeMap.mockRestore();
  return { records, native };
}

describe('conn.log TSV read straight from the line', () => {
  it('gives the documents, ids and errors of the record-by-record reference, for generated logs', () => {
    const { records } = compareGenerated(42);
    // Enough lines map (rather than fail) for the comparison to cover the documents.
    expect(records).toBeGreaterThan(2000);
  });

  it.runIf(nativeConnUnavailable() === undefined)(
    'natively, gives the same documents and ids for the lines real conn.logs are made of',
    () => {
      const { records, native } = compareGenerated(7, PLAIN);
      expect(records).toBeGreaterThan(4000);
      // Over a thousand of them are the native mapper's own, so the comparison covers what it writes.
      expect(native).toBeGreaterThan(1000);
    },
  );

  it.runIf(nativeConnUnavailable() === undefined)(
    'natively, writes lines of up to 16 KiB under long field names as TypeScript does, and leaves longer ones',
    () => {
      const name = 'n'.repeat(3000);
      const headers = [
        '#separator \\x09',
        '#set_separator\t,',
        '#path\tconn',
        `#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttunnel_parents\thistory\t${name}\t${name}x`,
        '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tset[string]\tstring\tset[string]\tstring',
      ];
      const lines: string[] = [];
      for (const items of [10, 1000, 5000, 5400, 5460, 8000]) {
        // Empty set items are the longest text per character of the line: `,` becomes `","`.
        const set = ','.repeat(items);
        const history = 'H'.repeat(Math.max(0, 16_380 - set.length - 120));
        const uid = `C${'u'.repeat(Math.min(items, 3000))}`;
        lines.push(`1521911720.5\t${uid}\t10.0.0.1\t80\tfe80::1\t443\ttcp\t${set}\t${history}\t${set}\tx`);
        lines.push(`1521911720.5\tC1\t1:2:3:4:5:6:7:8\t80\tfe80::1\t443\ttcp\t${set}\t-\t${set}\t-`);
      }
      const nativeMap = vi.spyOn(NativeConnMapper.prototype, 'map');
      const typescript = new ZeekDecoder(ctx, { native: false });
      const parser = new ZeekDecoder(ctx);
      for (const line of headers) {
        typescript.decode({ text: line, offset: 0, number: 0 });
        parser.decode({ text: line, offset: 0, number: 0 });
      }
      lines.forEach((line, i) => {
        expect(outcome(fast(parser, line, i + 1))).toEqual(outcome(fast(typescript, line, i + 1)));
      });
      const written = nativeMap.mock.results.filter((r) => r.type === 'return' && r.value !== undefined);
      nativeMap.mockRestore();
      const fitting = lines.filter((line) => line.length < 16_383).length;
      expect(fitting).toBeGreaterThan(5);
      expect(written).toHaveLength(fitting);
    },
  );
});
