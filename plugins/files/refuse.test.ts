import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snortCodec } from '../../codecs/snort/codec.js';
import { suricataCodec } from '../../codecs/suricata/codec.js';
import { zeekCodec } from '../../codecs/zeek/codec.js';
import { notText } from '../../src/codec/types.js';
import { ingestFiles } from '../../test/support/codec.js';
import { PRIVATE_NETWORKS, recordingContext } from '../../test/support/source-context.js';
import { createTailSource } from './tail.js';

const PCAP = '/work/shared/fixtures/lab/flows/softflowd-v9.pcap';
const FIXTURES = process.env.FLOWTRAIL_FIXTURES ?? '/work/shared/fixtures';

describe('a file that is not of the codec’s format', () => {
  it('is told by its first bytes: captures, executables, binary content, and for Zeek and EVE the first character', () => {
    const pcap = Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    expect(notText(pcap)).toBe('a packet capture (pcap)');
    expect(notText(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0x1c]))).toBe('a packet capture (pcap)');
    expect(notText(Buffer.from('\u007fELF\u0002\u0001'))).toBe('an executable');
    expect(notText(Buffer.from('#separator \\x09\n#fields\tts\n1521911720.5\n'))).toBeUndefined();
    expect(notText(Buffer.from('{"n":"grüße"}\n'))).toBeUndefined();
    expect(notText(Buffer.from([0x41, 0x00, 0x42]))).toBe('binary content');
    expect(zeekCodec.refuses?.(pcap)).toBe('not a Zeek log: a packet capture (pcap)');
    expect(zeekCodec.refuses?.(Buffer.from('10.0.0.1 - - [21/Nov/2026] "GET /"\n'))).toMatch(
      /^not a Zeek log: neither/,
    );
    expect(zeekCodec.refuses?.(Buffer.from('{"ts":1}\n'))).toBeUndefined();
    expect(suricataCodec.refuses?.(Buffer.from('hello\n'))).toMatch(/^not a Suricata EVE log/);
    expect(snortCodec.refuses?.(Buffer.from('[**] [1:1:1] x [**]\n'))).toBeUndefined();
  });

  it('ingest: a pcap given as a Zeek log is one failure and one dead letter, not one per line', async () => {
    const ctx = recordingContext();
    let failed = 0;
    ctx.counters.recordsFailed = (n = 1) => {
      failed += n;
    };
    await ingestFiles(zeekCodec, [PCAP, join(FIXTURES, 'zeek/zed-sample-data/zeek-default/ssh.log')], {
      localNetworks: PRIVATE_NETWORKS,
    }).run(ctx);
    expect(failed).toBe(1);
    expect(ctx.dead).toEqual([
      expect.objectContaining({ reason: 'not a Zeek log: a packet capture (pcap)', origin: PCAP }),
    ]);
    // The next file is read as usual.
    expect(ctx.records).toHaveLength(22);
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
      name: 'zeek-files',
      codec: zeekCodec,
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
    expect(ctx.dead.map((d) => d.reason)).toEqual(['not a Zeek log: a packet capture (pcap)']);
    expect(ctx.records).toEqual([]);
  });
});
