import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/support/fixtures.js';
import { fixturesMissing, itNeeding } from '../../test/support/requirements.js';
import { communityId } from './community-id.js';

interface Vector {
  proto: number;
  saddr: string;
  daddr: string;
  sport: number | null;
  dport: number | null;
  communityid: string;
}

const baselineDir = join(FIXTURES, 'community-id', 'baseline');
const load = (name: string): Vector[] => JSON.parse(readFileSync(join(baselineDir, name), 'utf8'));

describe('community id v1', () => {
  const suites: Array<[string, { seed?: number; base64?: boolean }]> = [
    ['baseline_deflt.json', {}],
    ['baseline_seed1.json', { seed: 1 }],
    ['baseline_nob64.json', { base64: false }],
  ];
  for (const [file, options] of suites) {
    itNeeding(fixturesMissing())(`matches every vector of ${file}`, () => {
      const vectors = load(file);
      expect(vectors.length).toBeGreaterThan(20);
      for (const v of vectors) {
        expect(communityId(v.proto, v.saddr, v.sport, v.daddr, v.dport, options), JSON.stringify(v)).toBe(
          v.communityid,
        );
      }
    });
  }

  itNeeding(fixturesMissing())("matches the spec README's hand-picked tables (default, seed 1, hex)", () => {
    const readme = readFileSync(join(baselineDir, 'README.md'), 'utf8');
    const sections = readme.split('###').slice(1);
    const optionsBySection: Array<{ seed?: number; base64?: boolean }> = [{}, { seed: 1 }, { base64: false }];
    let checked = 0;
    sections.slice(0, 3).forEach((section, i) => {
      for (const line of section.split('\n')) {
        const cells = line.split('|').map((c) => c.trim());
        if (cells.length < 9 || !/^\d+$/.test(cells[2])) continue;
        const port = (c: string) => (c === '-' ? null : Number(c));
        const got = communityId(
          Number(cells[2]),
          cells[3],
          port(cells[5]),
          cells[4],
          port(cells[6]),
          optionsBySection[i],
        );
        expect(got, line).toBe(cells[7]);
        checked++;
      }
    });
    expect(checked).toBeGreaterThanOrEqual(48);
  });

  itNeeding(fixturesMissing())("agrees with Zeek's run over the spec pcaps", () => {
    const dir = join(FIXTURES, 'community-id', 'zeek-run-pcaps');
    const protoNames: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };
    let checked = 0;
    for (const name of ['icmp', 'icmp6', 'ipv6', 'sctp', 'tcp', 'udp']) {
      const text = readFileSync(join(dir, `${name}.pcap.out`), 'utf8');
      for (const line of text.split('\n')) {
        const m = line.match(
          /orig_h=([^,]+), orig_p=(\d+)\/(\w+), resp_h=([^,]+), resp_p=(\d+)\/\w+, proto=(\d+).*\], (1:\S+)/,
        );
        if (!m) continue;
        const proto = Number(m[6]);
        expect(protoNames[m[3]] ?? proto).toBeDefined();
        expect(communityId(proto, m[1], Number(m[2]), m[4], Number(m[5])), line).toBe(m[7]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('rejects mixed address families', () => {
    expect(() => communityId(6, '1.2.3.4', 1, '::1', 2)).toThrow(/address family/);
  });
});
