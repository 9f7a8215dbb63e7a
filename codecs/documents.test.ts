import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BASE_FIELDS, streamOf } from '../src/schema/fields.js';
import { type LogFixture, logFixtures } from '../test/support/all-fixtures.js';
import { ingestFiles } from '../test/support/codec.js';
import { FIXTURES } from '../test/support/fixtures.js';
import { describeNeeding, fixturesMissing, listedFromFixtures } from '../test/support/requirements.js';
import { PRIVATE_NETWORKS, recordingContext } from '../test/support/source-context.js';

/** The tools' own namespaces, which the templates map by their dynamic templates. */
const TOOL_NAMESPACES = new Set(['zeek', 'suricata', 'snort', 'netflow']);

/** Dotted paths of a document's values; the members of objects in arrays count as the array's. */
function leaves(value: unknown, prefix: string, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) leaves(item, prefix, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (prefix === '' && TOOL_NAMESPACES.has(key)) continue;
      leaves(inner, prefix === '' ? key : `${prefix}.${key}`, out);
    }
  } else out.add(prefix);
  return out;
}

describeNeeding(fixturesMissing())('documents of every shared log fixture', () => {
  it.each(
    listedFromFixtures(
      () => logFixtures().map((f) => [f.file, f] as const),
      [['every log fixture', undefined as unknown as LogFixture] as const],
    ),
  )('%s: go to a dataset with a template that maps each of their fields', async (_file, fixture) => {
    const ctx = recordingContext();
    await ingestFiles(fixture.codec, [join(FIXTURES, fixture.file)], {
      localNetworks: PRIVATE_NETWORKS,
      timezone: fixture.timezone,
      now: () => Date.parse('2026-01-01T00:00:00Z'),
    }).run(ctx);
    const unmapped = new Set<string>();
    for (const record of ctx.records) {
      const stream = streamOf(record.dataset);
      if (stream === undefined) {
        unmapped.add(`dataset ${record.dataset}`);
        continue;
      }
      for (const field of leaves(record.doc, '', new Set())) {
        if (!(field in BASE_FIELDS) && !(field in stream.fields)) unmapped.add(`${record.dataset}: ${field}`);
      }
    }
    expect([...unmapped]).toEqual([]);
  });
});
