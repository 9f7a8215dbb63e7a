import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/errors.js';
import { ingestFiles } from '../../test/support/codec.js';
import { FIXTURES } from '../../test/support/fixtures.js';
import { fixturesMissing, itNeeding } from '../../test/support/requirements.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { zeekCodec } from './codec.js';
import { ZeekTsvParser } from './tsv.js';
import { ZeekTime } from './values.js';

const BTEST = join(FIXTURES, 'zeek', 'btest-baseline');
const ZED = join(FIXTURES, 'zeek', 'zed-sample-data');

const BTEST_ROWS: Record<string, number> = {
  'core.tunnels.teredo.conn.log': 21,
  'core.cisco-fabric-path.conn.log': 64,
  'scripts.base.protocols.ftp.ftp-ipv6.conn.log': 6,
  'scripts.base.protocols.modbus.modbus_and_non_modbus_on_port_502.conn.log': 8,
  'scripts.base.protocols.pop3.basic.conn.log': 11,
  'core.ppp.conn.log': 3,
  'scripts.base.protocols.dhcp.dhcp-all-msg-types.conn.log': 4,
  'opt.basic.conn.log': 34,
};

async function ingest(path: string) {
  const ctx = recordingContext();
  await ingestFiles(zeekCodec, [path], { localNetworks: PRIVATE_NETWORKS, now: () => 0 }).run(ctx);
  return ctx;
}

/** TSV prints intervals with 6 decimals where JSON keeps the full double. */
function close(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number')
    return Math.abs(a - b) <= 5e-7 * Math.max(1, Math.abs(a));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => close(v, b[i]));
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => close((a as never)[k], (b as never)[k]))
    );
  }
  return a === b;
}

describe('zeek TSV', () => {
  for (const [file, rows] of Object.entries(BTEST_ROWS)) {
    itNeeding(fixturesMissing())(`parses ${file} with ${rows} rows`, () => {
      const parser = new ZeekTsvParser();
      const lines = readFileSync(join(BTEST, file), 'utf8').split('\n');
      const entries = lines.map((line) => parser.parse(line)).filter((e) => e !== undefined);
      expect(entries).toHaveLength(rows);
      for (const entry of entries) {
        expect(entry.path).toBe('conn');
        expect(typeof entry.record['id.orig_h']).toBe('string');
        expect(Array.isArray(entry.record.tunnel_parents ?? [])).toBe(true);
      }
    });
  }

  itNeeding(fixturesMissing())('maps the unmasked core.ppp conn.log to flows', async () => {
    const { records, dead } = await ingest(join(BTEST, 'core.ppp.conn.log'));
    expect(dead).toEqual([]);
    expect(records.map((r) => r.dataset)).toEqual(['flowtrail.flows', 'flowtrail.flows', 'flowtrail.flows']);
    expect(records[0].doc).toMatchObject({
      network: { transport: 'ipv6-icmp' },
      zeek: { connection: { icmp: { type: 135, code: 136 } } },
    });
    expect(records[2].doc).toMatchObject({
      '@timestamp': '1970-01-01T00:00:00.781Z',
      event: { duration: 112400000 },
      source: { bytes: 4319, packets: 10 },
      destination: { bytes: 12332, packets: 12 },
      network: { transport: 'udp', direction: 'external' },
      zeek: { connection: { state: 'SF', state_message: 'Normal establishment and termination.' } },
    });
  });

  itNeeding(fixturesMissing())(
    'dead-letters the masked timestamps of the other baselines and keeps going',
    async () => {
      const { records, dead } = await ingest(join(BTEST, 'opt.basic.conn.log'));
      expect(records).toHaveLength(0);
      expect(dead).toHaveLength(34);
      expect(dead[0]).toMatchObject({
        plugin: 'zeek',
        reason: 'zeek: missing or invalid ts',
        origin: expect.stringMatching(/opt\.basic\.conn\.log:10$/),
      });
    },
  );

  itNeeding(fixturesMissing())(
    'rejects zeek-cut output, which has no #fields header to name its columns',
    () => {
      const parser = new ZeekTsvParser();
      const [banner, line] = readFileSync(
        join(BTEST, 'scripts.policy.protocols.conn.community-id-logging.conn.log.cut'),
        'utf8',
      ).split('\n');
      expect(parser.parse(banner)).toBeUndefined();
      expect(() => parser.parse(line)).toThrow(ParseError);
    },
  );

  it('handles escapes, sets, empty and unset fields and headers that change mid-file', () => {
    const parser = new ZeekTsvParser();
    const input = [
      '#separator \\x09',
      '#set_separator\t,',
      '#empty_field\t(empty)',
      '#unset_field\t-',
      '#fields\tts\tname\ttags\tok\tn\tgone',
      '#types\ttime\tstring\tset[string]\tbool\tcount\tstring',
      '1521911720.5\ta\\x09b\\\\c\tx,y\\x2cz\tT\t7\t-',
      '1521911721.0\t(empty)\t(empty)\tF\t0\t-',
      '#separator \\x7c',
      '#fields|ts|rtt',
      '#types|time|vector[interval]',
      '1521911722.25|0.5,1.000000',
    ];
    const entries = input.map((line) => parser.parse(line)).filter((e) => e !== undefined);
    expect(entries.map((e) => e.record)).toEqual([
      { ts: new ZeekTime(1521911720500), name: 'a\tb\\c', tags: ['x', 'y,z'], ok: true, n: 7 },
      { ts: new ZeekTime(1521911721000), name: '', tags: [], ok: false, n: 0 },
      { ts: new ZeekTime(1521911722250), rtt: [0.5, 1] },
    ]);
  });
});

describe('zeek TSV and JSON', () => {
  // Listed only where the fixtures are; elsewhere the suite names what it would have read.
  const logs = fixturesMissing()
    ? ['dns.log']
    : readdirSync(join(ZED, 'zeek-default')).filter((f) => f.endsWith('.log'));

  for (const log of logs) {
    itNeeding(fixturesMissing())(
      `${log} gives the same documents, with the same ids, from TSV and JSON`,
      async () => {
        const name = log.replace(/\.log$/, '');
        const tsv = await ingest(join(ZED, 'zeek-default', log));
        const json = await ingest(join(ZED, 'zeek-json', `${name}.json`));
        expect(tsv.dead).toEqual([]);
        expect(json.dead).toEqual([]);
        expect(tsv.records.length).toBeGreaterThan(0);
        expect(json.records).toHaveLength(tsv.records.length);
        const differing = tsv.records.findIndex((r, i) => !close(r.doc, json.records[i].doc));
        expect(
          differing === -1 ? undefined : [tsv.records[differing].doc, json.records[differing].doc],
        ).toBeUndefined();
        expect(tsv.records[0].dataset).toBe(
          name === 'notice' ? 'flowtrail.alerts' : `flowtrail.zeek_${name}`,
        );
        // One record in two formats is one document; and no two records of a log are taken for one.
        expect(json.records.map((r) => r.id)).toEqual(tsv.records.map((r) => r.id));
        expect(new Set(tsv.records.map((r) => r.id)).size).toBe(tsv.records.length);
      },
    );
  }

  itNeeding(fixturesMissing())('maps dns.log to ECS dns fields', async () => {
    const { records } = await ingest(join(ZED, 'zeek-json', 'dns.json'));
    expect(records[0].doc).toMatchObject({
      dns: { question: { name: 'ise.wrccdc.org', type: 'A' }, resolved_ip: ['134.71.3.16'], id: '36329' },
      network: { protocol: 'dns', transport: 'udp' },
      zeek: {
        session_id: 'CqKst53mF3det3eDV9',
        session_ids: ['CqKst53mF3det3eDV9'],
        dns: { rejected: false },
      },
    });
  });

  it("names a files record's connections in zeek.session_ids: its uid and conn_uids, once each", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-zeek-files-'));
    const path = join(dir, 'files.json');
    writeFileSync(
      path,
      `${JSON.stringify({ _path: 'files', ts: 1521911720.5, fuid: 'F1', conn_uids: ['C1', 'C2', 'C1'], filename: 'a.exe' })}\n` +
        `${JSON.stringify({ _path: 'files', ts: 1521911721.5, fuid: 'F2', uid: 'C3', conn_uids: ['C3'] })}\n`,
    );
    const { records } = await ingest(path);
    expect(records.map((r) => (r.doc.zeek as { session_ids?: string[] }).session_ids)).toEqual([
      ['C1', 'C2'],
      ['C3'],
    ]);
  });
});
