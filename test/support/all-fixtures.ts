import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { snortCodec } from '../../codecs/snort/codec.js';
import { suricataCodec } from '../../codecs/suricata/codec.js';
import { zeekCodec } from '../../codecs/zeek/codec.js';
import type { Codec } from '../../src/codec/types.js';
import { FIXTURES } from './fixtures.js';

/** Files of the shared fixtures that are not inputs: expected outputs, configs, notes, licences, other tools' output. */
const NOT_INPUT = /expected\.json$|\.yml$|README|LICENSE|COPYING|MANIFEST|\.csv$|\.out$|SOURCE/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

export interface LogFixture {
  /** Relative to the shared fixtures. */
  file: string;
  codec: Codec;
  /** Snort's fast and full alerts have no year or zone. */
  timezone?: string;
}

/** Every log among the shared fixtures, with the codec that reads it. */
export function logFixtures(): LogFixture[] {
  const out: LogFixture[] = [];
  for (const path of walk(FIXTURES).sort()) {
    const file = path.slice(FIXTURES.length + 1);
    if (NOT_INPUT.test(file) || file.endsWith('.pcap')) continue;
    if (file.startsWith('zeek/') || file.startsWith('ids/zeek')) out.push({ file, codec: zeekCodec });
    else if (file.startsWith('ids/suricata') || file === 'lab/suricata-eve.json') {
      out.push({ file, codec: suricataCodec });
    } else if (file.startsWith('ids/snort') || file === 'lab/snort-alert_fast.log') {
      out.push({ file, codec: snortCodec, timezone: 'America/Chicago' });
    }
  }
  return out;
}

/** Every NetFlow/IPFIX capture among the shared fixtures, relative to them. */
export function netflowFixtures(): string[] {
  return walk(FIXTURES)
    .map((path) => path.slice(FIXTURES.length + 1))
    .filter(
      (file) => file.endsWith('.pcap') && (file.startsWith('lab/flows') || file.startsWith('netflow-vendor')),
    )
    .sort();
}
