import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { numberedLinesCodec } from '../../test/support/codec.js';
import { itNeeding } from '../../test/support/requirements.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { smallDisk } from '../../test/support/tmpfs.js';
import { createTailSource } from './tail.js';

/** A line of the test codec, about as long as an EVE alert. */
function eve(n: number): string {
  return `${JSON.stringify({ n, pad: 'x'.repeat(240) })}
`;
}

function lines(from: number, to: number): string {
  let text = '';
  for (let n = from; n < to; n++) text += eve(n);
  return text;
}

/** A tailer over a fresh directory, with records kept in memory and positions in a state file (in `stateDir`). */
function harness(stateDir?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-tail-'));
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const stateFile = join(stateDir ?? join(dir, 'state'), 'suricata.json');
  const seen: string[] = [];
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  return {
    logs,
    stateFile,
    seen,
    start() {
      controller = new AbortController();
      const ctx = recordingContext(controller.signal);
      const emit = ctx.emit;
      ctx.emit = async (records, onWritten) => {
        for (const r of records) seen.push(String(r.doc.n));
        return emit(records, onWritten);
      };
      const source = createTailSource({
        name: 'numbered',
        codec: numberedLinesCodec,
        paths: [logs],
        include: ['eve*.json', 'eve.json.*'],
        pollIntervalMs: 20,
        stateFile,
        localNetworks: PRIVATE_NETWORKS,
        timezone: 'UTC',
      });
      running = source.run(ctx);
    },
    async stop() {
      controller?.abort();
      await running;
    },
    async until(count: number) {
      const deadline = Date.now() + 10_000;
      while (seen.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      // Anything read twice would show up in the next few passes.
      await new Promise((r) => setTimeout(r, 100));
      return [...seen];
    },
  };
}

const expected = (n: number) => Array.from({ length: n }, (_, i) => String(i));

describe('tailing log files', () => {
  it('follows appends, partial lines, rename and copytruncate rotation, and truncation, each line once', async () => {
    const h = harness();
    const file = join(h.logs, 'eve.json');
    h.start();
    writeFileSync(file, lines(0, 10));
    const partial = eve(10);
    appendFileSync(file, partial.slice(0, 30));
    expect(await h.until(10)).toEqual(expected(10));
    appendFileSync(file, partial.slice(30));
    expect((await h.until(11)).length).toBe(11);

    appendFileSync(file, lines(11, 20));
    renameSync(file, join(h.logs, 'eve.json.1'));
    writeFileSync(file, lines(20, 25));
    appendFileSync(join(h.logs, 'eve.json.1'), lines(25, 30));
    expect((await h.until(30)).sort()).toEqual(expected(30).sort());

    appendFileSync(file, lines(30, 40));
    copyFileSync(file, join(h.logs, 'eve.json.2'));
    truncateSync(file, 0);
    appendFileSync(file, lines(40, 45));
    expect((await h.until(45)).sort()).toEqual(expected(45).sort());

    truncateSync(file, 0);
    appendFileSync(file, lines(45, 50));
    expect((await h.until(50)).sort()).toEqual(expected(50).sort());
    await h.stop();
  });

  it('resumes from the saved positions after a restart, including a renamed file and a small one', async () => {
    const h = harness();
    const file = join(h.logs, 'eve.json');
    writeFileSync(file, lines(0, 2));
    h.start();
    expect(await h.until(2)).toEqual(expected(2));
    await h.stop();
    appendFileSync(file, lines(2, 30));
    renameSync(file, join(h.logs, 'eve.json.1'));
    writeFileSync(file, lines(30, 35));
    h.start();
    expect((await h.until(35)).sort()).toEqual(expected(35).sort());
    await h.stop();
  });

  it('reads a file renamed out of sight to its end, the unterminated last line included', async () => {
    const h = harness();
    const file = join(h.logs, 'eve.json');
    writeFileSync(file, lines(0, 5));
    h.start();
    await h.until(5);
    appendFileSync(file, lines(5, 9) + eve(9).trimEnd());
    renameSync(file, join(h.logs, 'archived'));
    expect(await h.until(10)).toEqual(expected(10));
    await h.stop();
  });

  it('keeps the identity of a file first seen smaller than the fingerprint, and tells a new file in a reused inode', async () => {
    const h = harness();
    const file = join(h.logs, 'eve.json');
    writeFileSync(file, lines(0, 1));
    h.start();
    expect(await h.until(1)).toEqual(expected(1));
    // Grows far past the 1 KiB the fingerprint covers: still the same file, nothing read again.
    appendFileSync(file, lines(1, 40));
    expect(await h.until(40)).toEqual(expected(40));
    await h.stop();
    // Deleted and created again (the inode is often reused at once) while stopped, with other content.
    rmSync(file);
    writeFileSync(file, lines(40, 45));
    h.start();
    expect((await h.until(45)).sort()).toEqual(expected(45).sort());
    await h.stop();
  });

  it('starts over, without failing, from a position file it cannot read', async () => {
    const h = harness();
    const file = join(h.logs, 'eve.json');
    writeFileSync(file, lines(0, 5));
    h.start();
    expect(await h.until(5)).toEqual(expected(5));
    await h.stop();
    const saved = readFileSync(h.stateFile, 'utf8');
    writeFileSync(h.stateFile, saved.slice(0, saved.length / 2));
    h.start();
    // Read again from the start: the same records, which keep their ids, so nothing is stored twice.
    expect(await h.until(10)).toEqual([...expected(5), ...expected(5)]);
    await h.stop();
    const aside = readdirSync(dirname(h.stateFile)).filter((name) => name.includes('.unreadable-'));
    expect(aside).toHaveLength(1);
  });

  itNeeding(process.getuid?.() === 0 ? undefined : 'needs root to mount a small tmpfs')(
    'goes on reading when its positions cannot be saved on a full disk, and saves them once there is room',
    async () => {
      const disk = smallDisk(64 * 1024);
      if (!('dir' in disk)) throw new Error(disk.unavailable);
      try {
        const filler = join(disk.dir, 'filler');
        try {
          for (;;) appendFileSync(filler, Buffer.alloc(4096));
        } catch {
          // Full.
        }
        const h = harness(disk.dir);
        writeFileSync(join(h.logs, 'eve.json'), lines(0, 5));
        h.start();
        expect(await h.until(5)).toEqual(expected(5));
        // Past the save that follows the write, which fails.
        await new Promise((r) => setTimeout(r, 500));
        expect(existsSync(h.stateFile)).toBe(false);
        rmSync(filler);
        // Saved again without anything new to read.
        const deadline = Date.now() + 10_000;
        while (!existsSync(h.stateFile) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        const saved = JSON.parse(readFileSync(h.stateFile, 'utf8')) as { files: Array<{ offset: number }> };
        expect(saved.files.map((f) => f.offset)).toEqual([lines(0, 5).length]);
        await h.stop();
      } finally {
        disk.unmount();
      }
    },
    20_000,
  );
});
