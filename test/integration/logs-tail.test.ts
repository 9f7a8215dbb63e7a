import type { ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { searchPattern } from '../../src/store/naming.js';
import { exited, runCli, startCli } from '../support/cli.js';
import { countDocs, type TestClient, testClient } from '../support/es.js';

const ZEEK_FIELDS = [
  'ts',
  'uid',
  'id.orig_h',
  'id.orig_p',
  'id.resp_h',
  'id.resp_p',
  'proto',
  'service',
  'duration',
  'orig_bytes',
  'resp_bytes',
  'conn_state',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
];
const ZEEK_TYPES = ['time', 'string', 'addr', 'port', 'addr', 'port', 'enum', 'string', 'interval'];
const BASE_TS = 1_709_287_200;

/** Writes uniquely numbered records to one live log file, and rotates and truncates it as loggers do. */
class LogWriter {
  private files = 0;
  readonly written: string[] = [];
  readonly file: string;

  constructor(
    private readonly dir: string,
    name: string,
    private readonly kind: 'zeek' | 'suricata',
  ) {
    this.file = join(dir, name);
    this.create();
  }

  /** A new file; Zeek's header says when it was opened, which makes each file's first bytes its own. */
  private create(): void {
    this.files++;
    if (this.kind === 'suricata') {
      writeFileSync(this.file, '');
      return;
    }
    const types = [...ZEEK_TYPES, 'count', 'count', 'string', 'count', 'count', 'count', 'count'];
    writeFileSync(
      this.file,
      [
        '#separator \\x09',
        '#set_separator\t,',
        '#empty_field\t(empty)',
        '#unset_field\t-',
        '#path\tconn',
        `#open\t2024-03-01-10-00-${String(this.files).padStart(2, '0')}`,
        `#fields\t${ZEEK_FIELDS.join('\t')}`,
        `#types\t${types.join('\t')}`,
        '',
      ].join('\n'),
    );
  }

  private line(n: number): string {
    if (this.kind === 'zeek') {
      const uid = `Ctail${n}`;
      this.written.push(uid);
      const ts = (BASE_TS + n / 1000).toFixed(6);
      return `${ts}\t${uid}\t10.1.${(n >> 8) & 255}.${n & 255}\t${40000 + (n % 20000)}\t192.0.2.7\t443\ttcp\tssl\t1.500000\t100\t200\tSF\t5\t400\t4\t500\n`;
    }
    this.written.push(String(n));
    return `${JSON.stringify({
      timestamp: '2024-03-01T10:00:00.000000+0000',
      flow_id: n,
      event_type: 'alert',
      src_ip: '10.2.0.1',
      src_port: 40000,
      dest_ip: '192.0.2.8',
      dest_port: 80,
      proto: 'TCP',
      alert: { action: 'allowed', signature_id: 1000, signature: 'tail test', severity: 2 },
    })}\n`;
  }

  append(count: number, file = this.file): void {
    let text = '';
    for (let i = 0; i < count; i++) text += this.line(this.written.length);
    appendFileSync(file, text);
  }

  /** Rename + create; the old file still gets a few late lines, as a writer that reopens on a signal does. */
  rotateByRename(): string {
    const rotated = join(
      this.dir,
      this.kind === 'zeek' ? `conn.rotated-${this.files}.log` : `eve.json.${this.files}`,
    );
    renameSync(this.file, rotated);
    this.create();
    return rotated;
  }

  /** logrotate's copytruncate: copy, then truncate in place. */
  rotateByCopyTruncate(): void {
    const copy = join(
      this.dir,
      this.kind === 'zeek' ? `conn.copy-${this.files}.log` : `eve.json.c${this.files}`,
    );
    copyFileSync(this.file, copy);
    truncateSync(this.file, 0);
    this.files++;
    if (this.kind === 'zeek') this.recreateHeaderInPlace();
  }

  truncate(): void {
    truncateSync(this.file, 0);
    this.files++;
    if (this.kind === 'zeek') this.recreateHeaderInPlace();
  }

  private recreateHeaderInPlace(): void {
    this.files--;
    this.create();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('flowtrail collect tailing Zeek and Suricata logs', () => {
  let es: TestClient;
  const root = mkdtempSync(join(tmpdir(), 'flowtrail-logs-tail-'));
  const namespace = `tail${Date.now().toString(36)}`;
  const config = join(root, 'flowtrail.yml');
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    es = testClient();
    expect((await runCli(['setup', '--es', inject('esUrl')])).code).toBe(0);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await es.close();
  });

  const start = async () => {
    child = (await startCli(['collect', '--config', config], /"collecting"/)).child;
  };
  const kill = async () => {
    child!.kill('SIGKILL');
    await exited(child!);
  };
  const count = (dataset: string) => countDocs(es, searchPattern(dataset, namespace)).catch(() => 0);
  const caughtUp = async (zeek: LogWriter, eve: LogWriter) => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const [flows, alerts] = await Promise.all([count('flowtrail.flows'), count('flowtrail.alerts')]);
      if (flows >= zeek.written.length && alerts >= eve.written.length) return;
      await sleep(200);
    }
    throw new Error('collector did not catch up');
  };
  /** Appends in small bursts while the collector runs, as a live sensor does. */
  const bursts = async (writers: LogWriter[], rounds: number) => {
    for (let i = 0; i < rounds; i++) {
      for (const w of writers) w.append(25);
      await sleep(30);
    }
  };

  it('ends with exactly the records written, through rotation, truncation and two SIGKILLs', async () => {
    const zeekDir = join(root, 'zeek');
    const eveDir = join(root, 'suricata');
    mkdirSync(zeekDir);
    mkdirSync(eveDir);
    writeFileSync(
      config,
      [
        `elasticsearch: { url: "${inject('esUrl')}", namespace: ${namespace}, bulk: { flush_interval: 100ms, max_docs: 300 } }`,
        `stack: { data_dir: "${join(root, 'data')}" }`,
        'metrics: { enabled: false }',
        'inputs:',
        '  netflow: { enabled: false }',
        `  zeek: { enabled: true, paths: ["${zeekDir}"], poll_interval: 100ms }`,
        `  suricata: { enabled: true, paths: ["${eveDir}"], poll_interval: 100ms }`,
        '',
      ].join('\n'),
    );
    const zeek = new LogWriter(zeekDir, 'conn.log', 'zeek');
    const eve = new LogWriter(eveDir, 'eve.json', 'suricata');
    const both = [zeek, eve];
    for (const w of both) w.append(100);

    // Run 1: killed while lines keep coming.
    await start();
    await bursts(both, 20);
    await kill();
    for (const w of both) w.append(60);

    // Both rotated by rename while nobody reads; late lines still reach the rotated files.
    for (const w of both) {
      const rotated = w.rotateByRename();
      w.append(40);
      w.append(15, rotated);
    }

    // Run 2: copytruncate rotation under load, then killed again.
    await start();
    await bursts(both, 10);
    for (const w of both) {
      w.rotateByCopyTruncate();
      w.append(30);
    }
    await bursts(both, 10);
    await kill();
    for (const w of both) w.append(50);

    // Run 3: once everything is read, the files are truncated in place and written again.
    await start();
    await caughtUp(zeek, eve);
    for (const w of both) {
      w.truncate();
      w.append(45);
    }
    await bursts(both, 10);
    await caughtUp(zeek, eve);
    // Time for anything read twice to arrive, then a clean stop.
    await sleep(1500);
    child!.kill('SIGTERM');
    expect(await exited(child!)).toBe(0);

    for (const [dataset, writer] of [
      ['flowtrail.flows', zeek],
      ['flowtrail.alerts', eve],
    ] as const) {
      const index = searchPattern(dataset, namespace);
      expect(await count(dataset)).toBe(writer.written.length);
      const { body } = await es.search({ index, size: 10_000, _source: ['flow.id'] });
      const ids = (body.hits.hits as Array<{ _source: { flow: { id: string } } }>).map(
        (h) => h._source.flow.id,
      );
      expect(ids.sort()).toEqual([...writer.written].sort());
    }
    expect(zeek.written.length).toBeGreaterThan(1500);
    // Positions were saved as records got written: at a clean stop each live file's is at its end.
    for (const [kind, writer] of [
      ['zeek', zeek],
      ['suricata', eve],
    ] as const) {
      const saved = JSON.parse(readFileSync(join(root, 'data', 'inputs', `${kind}.positions.json`), 'utf8'));
      const info = statSync(writer.file);
      const live = saved.files.find((f: { ino: number }) => f.ino === info.ino);
      expect(live.offset).toBe(info.size);
    }
  }, 300_000);
});
