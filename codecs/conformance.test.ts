import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Codec } from '../src/codec/types.js';
import { ingestFiles } from '../test/support/codec.js';
import { FIXTURES } from '../test/support/fixtures.js';
import { describeNeeding, fixturesMissing } from '../test/support/requirements.js';
import { PRIVATE_NETWORKS, recordingContext } from '../test/support/source-context.js';
import { snortCodec } from './snort/codec.js';
import { suricataCodec } from './suricata/codec.js';
import { zeekCodec } from './zeek/codec.js';

/**
 * Every ECS field that both flowtrail and Elastic's expected output define must agree, except for the
 * intentional differences below (mirrored for humans in README.md, "Conformance with Elastic's pipelines"). An
 * entry that no longer matches any difference fails the test too, so the list cannot go stale.
 */
interface Difference {
  /** Dotted field name. */
  field: string;
  /** Fixture files (relative to ids/) it applies to; all when absent. */
  files?: string[];
  /** `ignore`: values differ on purpose; `unordered`: same elements, different order. */
  how: 'ignore' | 'unordered';
  reason: string;
}

const ZEEK_CONN = ['zeek-integrations/test-conn.log', 'zeek-beats/connection/connection-json.log'];
const SNORT = [
  'snort/test-log-fast.log',
  'snort/test-log-full.log',
  'snort/test-log-json.log',
  'snort/test-log-csv.log',
];

const DIFFERENCES: Difference[] = [
  {
    field: 'event.created',
    how: 'ignore',
    reason:
      'flowtrail sets the time it made the document; the expected files hold the harness constant or @timestamp',
  },
  {
    field: 'event.dataset',
    how: 'ignore',
    reason:
      'flowtrail datasets: flowtrail.flows / flowtrail.alerts / flowtrail.<tool>_<log>; Filebeat: zeek.connection…',
  },
  {
    field: 'related.ip',
    how: 'unordered',
    reason: 'same addresses; flowtrail lists source, destination, then resolved addresses, Filebeat sorts',
  },
  {
    field: '@timestamp',
    files: [...ZEEK_CONN, 'suricata-integrations/test-eve-small.log'],
    how: 'ignore',
    reason:
      'flows are stamped at their end (event.end), like NetFlow flows, so all flow sources line up; Elastic stamps Zeek conn at ts (start) and Suricata flow events at the log time',
  },
  {
    field: 'event.type',
    files: [...ZEEK_CONN, 'suricata-integrations/test-eve-small.log'],
    how: 'ignore',
    reason:
      'toFlowRecord gives every flow ["connection"]; Elastic adds start/end/info depending on conn_state',
  },
  {
    field: 'event.type',
    files: ['zeek-beats/notice/notice-json.log'],
    how: 'ignore',
    reason: 'a notice is ["info"]: Zeek did not allow or deny anything (Filebeat: ["allowed","info"])',
  },
  {
    field: 'event.category',
    files: ['zeek-beats/notice/notice-json.log', ...SNORT],
    how: 'ignore',
    reason:
      'every alert is ["network","intrusion_detection"] whatever the tool (Elastic: one or the other per integration)',
  },
  {
    field: 'event.category',
    files: ['suricata-integrations/test-eve-small.log'],
    how: 'ignore',
    reason: 'fileinfo events are ["network","file"]: they describe a file seen on the wire',
  },
  {
    field: 'ecs.version',
    how: 'ignore',
    reason:
      'each expected file says the ECS version of its integration release (8.3.0 to 8.17.0); flowtrail the one its field types are checked against (8.11.0)',
  },
  {
    field: 'message',
    files: [
      'suricata-integrations/test-eve-6-0.log',
      'suricata-integrations/test-eve-metadata.log',
      'suricata-integrations/test-eve-small.log',
    ],
    how: 'ignore',
    reason:
      "an alert's message is its rule's message (the signature), what the Security app titles it with; Elastic writes the alert category",
  },
  {
    field: 'suricata.eve.tls.sni',
    how: 'ignore',
    reason:
      'suricata.eve keeps the SNI as Suricata logged it (trailing dot); tls.client.server_name has it without the dot, as Elastic does',
  },
  {
    field: 'observer.vendor',
    files: SNORT,
    how: 'ignore',
    reason:
      'observer is vendor "Cisco", product "Snort", type "ids" (Elastic: vendor "snort", product "ids")',
  },
  {
    field: 'observer.product',
    files: SNORT,
    how: 'ignore',
    reason: 'see observer.vendor',
  },
  {
    field: '@timestamp',
    files: ['snort/test-log-json.log'],
    how: 'ignore',
    reason:
      'alert_json time is the epoch `seconds` field (+ sub-second digits of `timestamp`); Elastic reads the zone-less `timestamp` with an inferred year and the configured zone',
  },
  {
    field: 'network.community_id',
    files: ['snort/test-log-full.log', 'snort/test-log-json.log', 'snort/test-log-csv.log'],
    how: 'ignore',
    reason:
      "ICMP alerts: flowtrail hashes the packet's ICMP type/code as the Community ID spec says; Elastic always hashes 0/0 (flowtrail does too for alert_fast, which has no type/code)",
  },
];

/**
 * Fields outside the mapping's scope: enrichment (geo/as), what the store sets at index time (event.ingested) and
 * the harness's own inputs.
 */
const OUT_OF_SCOPE = [/\.geo\./, /\.as\./, /^event\.ingested$/, /^agent\./, /^input\./, /^log\./, /^tags$/];

interface Case {
  codec: Codec;
  file: string;
  timezone?: string;
  /** Reference "now" for inferring Snort's missing year: Elastic's fixtures were ingested in 2022. */
  now?: number;
}

const CASES: Case[] = [
  { codec: zeekCodec, file: 'zeek-integrations/test-conn.log' },
  { codec: zeekCodec, file: 'zeek-beats/connection/connection-json.log' },
  { codec: zeekCodec, file: 'zeek-beats/notice/notice-json.log' },
  { codec: suricataCodec, file: 'suricata-integrations/test-eve-6-0.log' },
  { codec: suricataCodec, file: 'suricata-integrations/test-eve-dns-4-1-4.log' },
  { codec: suricataCodec, file: 'suricata-integrations/test-eve-metadata.log' },
  { codec: suricataCodec, file: 'suricata-integrations/test-eve-small.log' },
  { codec: suricataCodec, file: 'suricata-integrations/test-eve-tls-empty-issuerdn.log' },
  { codec: suricataCodec, file: 'suricata-integrations/test-eve-tls-empty-subject.log' },
  {
    codec: snortCodec,
    file: 'snort/test-log-fast.log',
    timezone: 'America/Chicago',
    now: Date.parse('2022-12-31T00:00:00Z'),
  },
  {
    codec: snortCodec,
    file: 'snort/test-log-full.log',
    timezone: '-05:00',
    now: Date.parse('2022-12-31T00:00:00Z'),
  },
  {
    codec: snortCodec,
    file: 'snort/test-log-json.log',
    timezone: 'America/Chicago',
    now: Date.parse('2022-12-31T00:00:00Z'),
  },
  {
    codec: snortCodec,
    file: 'snort/test-log-csv.log',
    timezone: 'America/Chicago',
    now: Date.parse('2022-12-31T00:00:00Z'),
  },
];

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value))
      flatten(inner, prefix === '' ? key : `${prefix}.${key}`, out);
  } else out.set(prefix, value);
  return out;
}

const ISO_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

function same(ours: unknown, theirs: unknown, how: Difference['how'] | undefined): boolean {
  if (
    typeof ours === 'string' &&
    typeof theirs === 'string' &&
    ISO_DATE.test(ours) &&
    ISO_DATE.test(theirs)
  ) {
    return Date.parse(ours) === Date.parse(theirs);
  }
  if (how === 'unordered' && Array.isArray(ours) && Array.isArray(theirs)) {
    return JSON.stringify([...ours].sort()) === JSON.stringify([...theirs].sort());
  }
  return canonical(ours) === canonical(theirs);
}

/** JSON with object keys sorted, so key order (`dns.answers` entries) does not count. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner) =>
    typeof inner === 'object' && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

async function mapFile(c: Case) {
  const ctx = recordingContext();
  const now = c.now ?? Date.parse('2024-01-01T00:00:00Z');
  const source = ingestFiles(c.codec, [join(FIXTURES, 'ids', c.file)], {
    localNetworks: PRIVATE_NETWORKS,
    timezone: c.timezone,
    now: () => now,
  });
  await source.run(ctx);
  return ctx;
}

describeNeeding(fixturesMissing())('conformance with Elastic expected outputs', () => {
  const used = new Set<Difference>();

  for (const c of CASES) {
    it(c.file, async () => {
      const expectedJson = JSON.parse(readFileSync(join(FIXTURES, 'ids', `${c.file}-expected.json`), 'utf8'));
      const expected: unknown[] = Array.isArray(expectedJson) ? expectedJson : expectedJson.expected;
      const { records, dead } = await mapFile(c);
      expect(dead).toEqual([]);
      expect(records).toHaveLength(expected.length);
      const mismatches: string[] = [];
      let compared = 0;
      expected.forEach((doc, i) => {
        const theirs = flatten(doc, '', new Map());
        const ours = flatten(records[i].doc, '', new Map());
        for (const [field, value] of theirs) {
          if (!ours.has(field) || OUT_OF_SCOPE.some((r) => r.test(field))) continue;
          const difference = DIFFERENCES.find(
            (d) => d.field === field && (d.files === undefined || d.files.includes(c.file)),
          );
          if (same(ours.get(field), value, undefined)) {
            compared++;
            continue;
          }
          if (
            difference !== undefined &&
            (difference.how === 'ignore' || same(ours.get(field), value, difference.how))
          ) {
            used.add(difference);
            continue;
          }
          mismatches.push(
            `#${i} ${field}: ours ${JSON.stringify(ours.get(field))} theirs ${JSON.stringify(value)}`,
          );
        }
      });
      expect(mismatches).toEqual([]);
      expect(compared).toBeGreaterThan(expected.length * 5);
    });
  }

  it('every intentional difference is still needed', () => {
    expect(DIFFERENCES.filter((d) => !used.has(d)).map((d) => d.field)).toEqual([]);
  });
});
