import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { filesToIngest } from './commands/ingest.js';

describe('what ingest reads', () => {
  it('takes files as given, and from a directory the names the input includes, compressed too, by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-ingest-'));
    for (const name of ['dns.log', 'conn.00:00:00-01:00:00.log.gz', 'notes.txt', 'conn.log'])
      writeFileSync(join(dir, name), 'x');
    mkdirSync(join(dir, 'old.log'));
    expect(filesToIngest([dir, join(dir, 'notes.txt')], ['*.log'])).toEqual([
      join(dir, 'conn.00:00:00-01:00:00.log.gz'),
      join(dir, 'conn.log'),
      join(dir, 'dns.log'),
      join(dir, 'notes.txt'),
    ]);
  });

  it('refuses a directory without such files, and a path that is not there, naming them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-ingest-'));
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(() => filesToIngest([dir], ['eve*.json'])).toThrow(UsageError);
    expect(() => filesToIngest([dir], ['eve*.json'])).toThrow(`${dir}: no files named eve*.json`);
    expect(() => filesToIngest([join(dir, 'gone.log')], ['*.log'])).toThrow(/gone\.log: ENOENT/);
  });
});
