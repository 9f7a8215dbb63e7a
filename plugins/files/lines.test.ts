import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ingestFiles, numberedLinesCodec } from '../../test/support/codec.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { BlockGrouper } from './blocks.js';
import { type Line, LineSplitter, readLines } from './lines.js';

const dir = mkdtempSync(join(tmpdir(), 'flowtrail-logfile-'));

async function all(path: string, from?: { offset: number; number: number }): Promise<Line[]> {
  const out: Line[] = [];
  for await (const batch of readLines(path, from)) out.push(...batch);
  return out;
}

describe('readLines', () => {
  const text = 'first\r\nsecond\n\nlast without newline';

  it('splits plain files with offsets, line numbers and a last line only at the end', async () => {
    const path = join(dir, 'plain.log');
    writeFileSync(path, text);
    expect(await all(path)).toEqual([
      { text: 'first', offset: 0, next: 7, number: 1 },
      { text: 'second', offset: 7, next: 14, number: 2 },
      { text: '', offset: 14, next: 15, number: 3 },
      { text: 'last without newline', offset: 15, next: 35, number: 4 },
    ]);
  });

  it('reads .gz the same way and resumes from an offset', async () => {
    const path = join(dir, 'packed.log.gz');
    writeFileSync(path, gzipSync(text));
    expect((await all(path)).map((l) => l.text)).toEqual(['first', 'second', '', 'last without newline']);
    expect(await all(path, { offset: 7, number: 2 })).toEqual((await all(path)).slice(1));
  });

  it('keeps multi-byte characters whole across chunk boundaries', async () => {
    const path = join(dir, 'big.log');
    const line = `${'ö'.repeat(700_000)}\n`;
    writeFileSync(path, line + line);
    const lines = await all(path);
    expect(lines.map((l) => l.text.length)).toEqual([700_000, 700_000]);
    expect(lines[1].offset).toBe(Buffer.byteLength(line));
  });
});

describe('BlockGrouper', () => {
  it('groups blank-line separated records and reports where each starts', () => {
    const grouper = new BlockGrouper('[**]');
    const lines = ['[**] a', 'b', '', '[**] c', '[**] d', 'e'].map((text, i) => ({
      text,
      offset: i * 10,
      next: i * 10 + 10,
      number: i + 1,
    }));
    const blocks = [...lines.map((l) => grouper.push(l)), grouper.flush()].filter((b) => b !== undefined);
    expect(blocks.map((b) => [b.text, b.number])).toEqual([
      ['[**] a\nb', 1],
      ['[**] c', 4],
      ['[**] d\ne', 5],
    ]);
  });
});

describe('createIngestSource', () => {
  it('dead-letters bad lines with file:line, keeps going and gives stable ids', async () => {
    const path = join(dir, 'numbered.json');
    writeFileSync(path, ['{"n":7}', 'not json', '{"m":1}', ''].join('\n'));
    const run = async () => {
      const ctx = recordingContext();
      await ingestFiles(numberedLinesCodec, [path], { localNetworks: PRIVATE_NETWORKS, now: () => 0 }).run(
        ctx,
      );
      return ctx;
    };
    const first = await run();
    expect(first.records).toHaveLength(1);
    expect(first.records[0].doc).toEqual({ n: 7 });
    expect(first.dead.map((d) => [d.origin, d.raw])).toEqual([
      [`${path}:2`, 'not json'],
      [`${path}:3`, '{"m":1}'],
    ]);
    expect((await run()).records[0].id).toBe(first.records[0].id);
  });
});

describe('lines that are not UTF-8', () => {
  it('are marked, one by one, however the chunks cut the bytes', () => {
    const text = Buffer.concat([
      Buffer.from('é ok\n'),
      Buffer.from([0x61, 0xff, 0x62, 0x0a]),
      Buffer.from('€ ok too\n'),
      Buffer.from([0xc3, 0x0a]),
      Buffer.from('last é'),
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      const splitter = new LineSplitter();
      const lines = [...splitter.push(text.subarray(0, cut)), ...splitter.push(text.subarray(cut))];
      const last = splitter.end();
      if (last) lines.push(last);
      expect(
        lines.map((l) => [l.text, l.invalidUtf8 ?? false]),
        `cut at ${cut}`,
      ).toEqual([
        ['é ok', false],
        ['a\ufffdb', true],
        ['€ ok too', false],
        ['\ufffd', true],
        ['last é', false],
      ]);
    }
  });

  it('are decoded and counted, and a dead letter names the file by its fingerprint too', async () => {
    const path = join(dir, 'mixed.json');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from('{"n":1,"s":"'), Buffer.from([0xff]), Buffer.from('"}\nbad\n')]),
    );
    const ctx = recordingContext();
    let repaired = 0;
    ctx.counters.repaired = () => {
      repaired++;
    };
    await ingestFiles(numberedLinesCodec, [path], { localNetworks: PRIVATE_NETWORKS, now: () => 0 }).run(ctx);
    expect(ctx.records.map((r) => r.doc)).toEqual([{ n: 1 }]);
    expect(repaired).toBe(1);
    expect(ctx.dead).toEqual([
      expect.objectContaining({ origin: `${path}:2`, stream: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/) }),
    ]);
  });
});

describe('readLines progress', () => {
  it('hears every byte of the file read, compressed bytes for .gz', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`).join('\n');
    writeFileSync(join(dir, 'plain.log'), text);
    writeFileSync(join(dir, 'packed.log.gz'), gzipSync(text));
    for (const name of ['plain.log', 'packed.log.gz']) {
      let heard = 0;
      let lines = 0;
      for await (const batch of readLines(join(dir, name), undefined, (n) => {
        heard += n;
      }))
        lines += batch.length;
      expect(lines, name).toBe(20_000);
      expect(heard, name).toBe(statSync(join(dir, name)).size);
    }
  });
});
