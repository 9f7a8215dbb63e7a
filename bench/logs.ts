/**
 * Lines/s of the Zeek and Suricata readers on one core, in one run: Zeek conn.log TSV, Zeek conn JSON and
 * Suricata EVE, by stage: parse only (for conn.log TSV: reading the fields the flow is made of off the line);
 * parse + map to the record (document id included); and parse + map +
 * the JSON body the Elasticsearch sink sends, which is what a user's collector pays for each line. Each is
 * measured against a bare baseline over the same bytes (split lines with indexOf, then JSON.parse for JSON,
 * split('\t') for TSV), with the ratio. Inputs are fixture records repeated in memory to BENCH_LINES lines. conn.log TSV
 * is measured as users run it (the native mapper where it is built, see conn-native.ts) and in TypeScript only.
 *
 *   npm run bench:logs
 *   BENCH_LINES=500000 BENCH_ROUNDS=5 npm run bench:logs
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EveDecoder } from '../codecs/suricata/decoder.js';
import { parseEve } from '../codecs/suricata/eve.js';
import { nativeConnUnavailable } from '../codecs/zeek/conn-native.js';
import { ConnTsvReader } from '../codecs/zeek/conn-tsv.js';
import { ZeekDecoder } from '../codecs/zeek/decoder.js';
import { parseZeekJson } from '../codecs/zeek/json.js';
import { ZeekTsvParser } from '../codecs/zeek/tsv.js';
import { LineSplitter } from '../plugins/files/lines.js';
import type { StreamInfo, UnitDecoder } from '../src/codec/types.js';
import { FIXTURES } from '../test/support/fixtures.js';
import { PRIVATE_NETWORKS } from '../test/support/source-context.js';

const LINES = Number(process.env.BENCH_LINES ?? 300_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function fixture(path: string): string[] {
  return readFileSync(join(FIXTURES, path), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** Header lines once, then the data lines repeated to `LINES` lines. */
function repeated(header: string[], records: string[]): Buffer {
  const out = [...header];
  for (let i = 0; out.length < LINES + header.length; i++) out.push(records[i % records.length]);
  return Buffer.from(`${out.join('\n')}\n`);
}

/**
 * Zeek TSV conn.log. Every full conn.log baseline in Zeek's repository has its times masked by btest
 * (`XXXXXXXXXX.XXXXXX`); here they get real, distinct epoch times (a thousand connections a second, as on a
 * sensor at these rates) so that records map instead of failing.
 */
function connTsv(): Buffer {
  const header: string[] = [];
  const records: string[] = [];
  let ts = 1_521_911_720;
  for (const name of [
    'opt.basic.conn.log',
    'core.tunnels.teredo.conn.log',
    'scripts.base.protocols.pop3.basic.conn.log',
    'scripts.base.protocols.ftp.ftp-ipv6.conn.log',
  ]) {
    for (const line of fixture(`zeek/btest-baseline/${name}`)) {
      if (line.startsWith('###')) continue;
      if (line.startsWith('#')) {
        if (header.length < 8 && !line.startsWith('#close'))
          header.push(line.replace(/X{4}(-XX){5}/, '2018-03-24-17-15-20'));
        continue;
      }
      ts += 0.001;
      records.push(line.replace('XXXXXXXXXX.XXXXXX', ts.toFixed(6)));
    }
  }
  return repeated(header, records);
}

function connJson(): Buffer {
  return repeated(
    [],
    [
      ...fixture('ids/zeek-integrations/test-conn.log'),
      ...fixture('ids/zeek-beats/connection/connection-json.log'),
    ],
  );
}

function eve(): Buffer {
  return repeated(
    [],
    [
      ...fixture('ids/suricata-beats/eve-alerts.log'),
      ...fixture('ids/suricata-integrations/test-eve-small.log'),
      ...fixture('ids/suricata-integrations/test-eve-dns-4-1-4.log'),
      ...fixture('lab/suricata-eve.json'),
    ],
  );
}

function context(path: string): StreamInfo {
  return {
    name: path,
    identity: 'bench',
    timezone: 'UTC',
    reference: Date.now(),
    localNetworks: PRIVATE_NETWORKS,
    now: Date.now,
  };
}

/**
 * Lines of the input, each handed to `work`; returns lines per CPU second of this process, which is what
 * "per core" means, and which other load on the machine disturbs much less than wall time.
 */
function timed(input: Buffer, work: (input: Buffer) => number): number {
  const started = process.cpuUsage();
  const lines = work(input);
  const used = process.cpuUsage(started);
  return lines / ((used.user + used.system) / 1e6);
}

/** Results are counted so that no loop's work can be optimized away; the total is printed at the end. */
let results = 0;

function bareLines(input: Buffer, each: (line: string) => unknown): number {
  let lines = 0;
  let start = 0;
  for (let end = input.indexOf(10, start); end !== -1; end = input.indexOf(10, start)) {
    if (each(input.toString('utf8', start, end)) !== undefined) results++;
    start = end + 1;
    lines++;
  }
  return lines;
}

function readerLines(input: Buffer, each: (text: string, offset: number, number: number) => unknown): number {
  const splitter = new LineSplitter();
  let lines = 0;
  // Chunks as the file readers get them.
  for (let i = 0; i < input.length; i += 256 * 1024) {
    for (const line of splitter.push(input.subarray(i, i + 256 * 1024))) {
      if (each(line.text, line.offset, line.number) !== undefined) results++;
      lines++;
    }
  }
  return lines;
}

function mapped(parser: UnitDecoder, serialize: boolean) {
  return (input: Buffer) =>
    readerLines(input, (text, offset, number) => {
      // A failing record is counted and dead-lettered in the reader; here it only has to cost the same.
      try {
        const record = parser.decode({ text, offset, number });
        // As the pipeline does when it queues a record for the sink.
        if (serialize && record !== undefined) return record.json ?? JSON.stringify(record.doc);
        return record;
      } catch {
        return undefined;
      }
    });
}

function firstLineFailures(input: Buffer, parser: UnitDecoder): number {
  let failed = 0;
  readerLines(input.subarray(0, Math.min(input.length, 2_000_000)), (text, offset, number) => {
    try {
      parser.decode({ text, offset, number });
    } catch {
      failed++;
    }
  });
  return failed;
}

interface Case {
  name: string;
  input: Buffer;
  baseline: (input: Buffer) => number;
  parse: (input: Buffer) => number;
  /** A fresh parser per run: the TSV parser keeps the header state of what it read. */
  parser: () => UnitDecoder;
}

const tsv = connTsv();
const tsvBaseline = (input: Buffer) => bareLines(input, (line) => line.split('\t'));
/** Headers through the TSV parser, data lines through the conn reader made for them, as ZeekDecoder does. */
const tsvParse = (input: Buffer) => {
  const headers = new ZeekTsvParser();
  let reader: ConnTsvReader | undefined;
  return readerLines(input, (text) => {
    if (text.charCodeAt(0) === 35 /* # */) {
      headers.parse(text);
      reader = ConnTsvReader.of(headers.layout);
      return undefined;
    }
    try {
      reader?.read(text);
      return reader?.conn();
    } catch {
      return undefined;
    }
  });
};
const nativeMissing = nativeConnUnavailable();
const cases: Case[] = [
  {
    name: nativeMissing === undefined ? 'zeek conn.log TSV' : 'zeek conn.log TSV (native mapper missing)',
    input: tsv,
    baseline: tsvBaseline,
    parse: tsvParse,
    parser: () => new ZeekDecoder(context('conn.log')),
  },
  {
    name: '  TypeScript only',
    input: tsv,
    baseline: tsvBaseline,
    parse: tsvParse,
    parser: () => new ZeekDecoder(context('conn.log'), { native: false }),
  },
  {
    name: 'zeek conn JSON',
    input: connJson(),
    baseline: (input) => bareLines(input, (line) => JSON.parse(line)),
    parse: (input) => readerLines(input, (text) => parseZeekJson(text)),
    parser: () => new ZeekDecoder(context('conn.log')),
  },
  {
    name: 'suricata EVE',
    input: eve(),
    baseline: (input) => bareLines(input, (line) => JSON.parse(line)),
    parse: (input) => readerLines(input, (text) => parseEve(text)),
    parser: () => new EveDecoder(context('eve.json')),
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const format = (n: number) => `${Math.round(n / 1000).toLocaleString('en-US')}k/s`;

console.log(
  `${LINES.toLocaleString('en-US')} lines per input, median of ${ROUNDS} rounds, lines per CPU second\n`,
);
console.log(
  ['input', 'baseline', 'parse', 'ratio', 'parse+map', 'ratio', '+JSON (real)', 'ratio', 'MB/s (real)']
    .map((h, i) => h.padEnd(i === 0 ? 20 : 14))
    .join(''),
);
for (const c of cases) {
  const failures = firstLineFailures(c.input, c.parser());
  const runs = { baseline: [] as number[], parse: [] as number[], map: [] as number[], json: [] as number[] };
  // Alternated, so that all stages see the same machine noise and JIT state.
  for (let round = 0; round < ROUNDS; round++) {
    runs.baseline.push(timed(c.input, c.baseline));
    runs.parse.push(timed(c.input, c.parse));
    runs.map.push(timed(c.input, mapped(c.parser(), false)));
    runs.json.push(timed(c.input, mapped(c.parser(), true)));
  }
  const baseline = median(runs.baseline);
  const parse = median(runs.parse);
  const map = median(runs.map);
  const json = median(runs.json);
  const bytesPerLine = c.input.length / LINES;
  console.log(
    [
      c.name,
      format(baseline),
      format(parse),
      (parse / baseline).toFixed(2),
      format(map),
      (map / baseline).toFixed(2),
      format(json),
      (json / baseline).toFixed(2),
      ((json * bytesPerLine) / 1e6).toFixed(0),
    ]
      .map((v, i) => v.padEnd(i === 0 ? 20 : 14))
      .join(''),
  );
  if (failures > 0)
    console.log(`  (${failures} lines in the first 2 MB are refused by the mapping, as in the fixtures)`);
}
console.log(`\n${results.toLocaleString('en-US')} results in all`);
