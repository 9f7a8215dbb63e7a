import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Codec, notText } from '../../src/codec/types.js';
import { ingestFiles, numberedLinesCodec } from '../../test/support/codec.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { createTailSource } from './tail.js';

/**
 * A capture as tcpdump writes one: the pcap file header, then a packet record whose bytes include newlines, so a
 * line reader would find "lines" in it.
 */
function capture(): string {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65_535, 16);
  header.writeUInt32LE(1, 20);
  const frame = Buffer.from('\x00\x01\n\x02\x03\n\xff\xfe\n'.repeat(8), 'latin1');
  const record = Buffer.alloc(16);
  record.writeUInt32LE(1_700_000_000, 0);
  record.writeUInt32LE(frame.length, 8);
  record.writeUInt32LE(frame.length, 12);
  const path = join(mkdtempSync(join(tmpdir(), 'flowtrail-refuse-')), 'uplink.pcap');
  writeFileSync(path, Buffer.concat([header, record, frame]));
  return path;
}

const PCAP = capture();

/** The test codec, refusing what is not text as the log codecs do. */
const textCodec: Codec = {
  ...numberedLinesCodec,
  refuses: (head) => {
    const why = notText(head);
    return why === undefined ? undefined : `not numbered lines: ${why}`;
  },
};

describe('a file the codec refuses by its first bytes', () => {
  it('ingest: a pcap given as a text log is one failure and one dead letter, not one per line', async () => {
    const good = join(mkdtempSync(join(tmpdir(), 'flowtrail-refuse-')), 'good.log');
    writeFileSync(good, '{"n":1}\n{"n":2}\n');
    const ctx = recordingContext();
    let failed = 0;
    ctx.counters.recordsFailed = (n = 1) => {
      failed += n;
    };
    await ingestFiles(textCodec, [PCAP, good], {
      localNetworks: PRIVATE_NETWORKS,
    }).run(ctx);
    expect(failed).toBe(1);
    expect(ctx.dead).toEqual([
      expect.objectContaining({ reason: 'not numbered lines: a packet capture (pcap)', origin: PCAP }),
    ]);
    // The next file is read as usual.
    expect(ctx.records).toHaveLength(2);
  });

  it('ingest: a file that cannot be read (a damaged .gz) is one failure and one dead letter; the next is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-refuse-'));
    const damaged = join(dir, 'damaged.log.gz');
    writeFileSync(damaged, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff]));
    const good = join(dir, 'good.log');
    writeFileSync(good, '{"n":1}\n');
    const ctx = recordingContext();
    let failed = 0;
    ctx.counters.recordsFailed = (n = 1) => {
      failed += n;
    };
    await ingestFiles(textCodec, [damaged, good], { localNetworks: PRIVATE_NETWORKS }).run(ctx);
    expect(failed).toBe(1);
    expect(ctx.dead).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/^cannot read: /), origin: damaged }),
    ]);
    expect(ctx.records).toHaveLength(1);
  });

  it('tail: a binary file among the logs is refused once, however often it is scanned or grows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowtrail-refuse-'));
    writeFileSync(
      join(dir, 'capture.log'),
      Buffer.concat([Buffer.from([0xd4, 0xc3, 0xb2, 0xa1]), Buffer.alloc(2000, 7)]),
    );
    const controller = new AbortController();
    const ctx = recordingContext(controller.signal);
    const running = createTailSource({
      name: 'numbered-files',
      codec: textCodec,
      paths: [dir],
      include: ['*.log'],
      pollIntervalMs: 20,
      stateFile: join(dir, 'state.json'),
      localNetworks: PRIVATE_NETWORKS,
      timezone: 'UTC',
    }).run(ctx);
    await new Promise((resolve) => setTimeout(resolve, 150));
    writeFileSync(join(dir, 'capture.log'), Buffer.alloc(1000, 9), { flag: 'a' });
    await new Promise((resolve) => setTimeout(resolve, 150));
    controller.abort();
    await running;
    expect(ctx.dead.map((d) => d.reason)).toEqual(['not numbered lines: a packet capture (pcap)']);
    expect(ctx.records).toEqual([]);
  });
});
