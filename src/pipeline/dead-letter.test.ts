import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smallDisk } from '../../test/support/tmpfs.js';
import { DeadLetterWriter } from './dead-letter.js';

const entry = (n: number) => ({
  plugin: 'netflow',
  reason: `bad ${n}`,
  origin: '192.0.2.1:2055',
  raw: 'x'.repeat(900),
});

function lines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('dead-letter files', () => {
  it('stop growing at their cap: the first entries are kept, the rest reported as dropped', () => {
    const writer = new DeadLetterWriter(mkdtempSync(join(tmpdir(), 'flowtrail-dl-')), {
      maxBytes: 10_000,
      minFreeBytes: 0,
    });
    const dropped = Array.from({ length: 30 }, (_, n) => writer.write([entry(n)])).flat();
    const kept = lines(writer.fileFor('netflow')) as Array<{ reason: string }>;
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.map((e) => e.reason)).toEqual(Array.from({ length: kept.length }, (_, n) => `bad ${n}`));
    expect(dropped).toEqual(
      Array.from({ length: 30 - kept.length }, () => ({
        plugin: 'netflow',
        count: 1,
        why: 'dead_letter_full',
      })),
    );
    // A writer started over the same directory counts what is there already.
    const again = new DeadLetterWriter(writer.directory, { maxBytes: 10_000, minFreeBytes: 0 });
    expect(again.write([entry(99)])).toEqual([{ plugin: 'netflow', count: 1, why: 'dead_letter_full' }]);
  });

  const disk = smallDisk(256 * 1024);
  it.runIf('dir' in disk)(
    'on a full disk drop what does not fit, without throwing or leaving half a line',
    () => {
      if (!('dir' in disk)) throw new Error(disk.unavailable);
      try {
        const writer = new DeadLetterWriter(disk.dir, {
          maxBytes: Number.POSITIVE_INFINITY,
          minFreeBytes: 0,
        });
        const dropped = [];
        for (let n = 0; n < 1000; n++) dropped.push(...writer.write([entry(n), entry(n + 0.5)]));
        expect(dropped.length).toBeGreaterThan(100);
        expect(new Set(dropped.map((d) => d.why))).toEqual(new Set(['write_failed']));
        const kept = lines(writer.fileFor('netflow'));
        expect(kept.length + dropped.length * 2).toBe(2000);
        // With a floor of free space, it stops before the disk is full.
        const floored = new DeadLetterWriter(disk.dir, {
          maxBytes: Number.POSITIVE_INFINITY,
          minFreeBytes: 1 << 30,
        });
        expect(floored.write([entry(0)])).toEqual([{ plugin: 'netflow', count: 1, why: 'disk_low' }]);
      } finally {
        disk.unmount();
      }
    },
  );
});
