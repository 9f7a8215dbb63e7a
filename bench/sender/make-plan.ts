/**
 * Writes the send plan of every lab export and vendor capture in the shared fixtures, and prints what it holds.
 *
 *   tsx bench/sender/make-plan.ts OUT [RING_BYTES]
 */
import { writeFileSync } from 'node:fs';
import { NATIVE_RING_BYTES } from '../../plugins/netflow/native-reader.js';
import { FIXTURES } from '../../test/support/fixtures.js';
import { buildPlan, encodePlan } from './plan.js';
import { exportStreams } from './streams.js';

const [out, ringText] = process.argv.slice(2);
if (!out) {
  console.error('usage: tsx bench/sender/make-plan.ts OUT [RING_BYTES]');
  process.exit(2);
}
const plan = buildPlan(exportStreams(FIXTURES), ringText ? Number(ringText) : NATIVE_RING_BYTES);
writeFileSync(out, encodePlan(plan));
const sizes = plan.datagrams.map((d) => d.payload.length);
console.log(
  JSON.stringify({
    streams: plan.streams.length,
    datagrams: plan.datagrams.length,
    rounds: plan.rounds,
    exact_fit_at: plan.exactFitAt ?? null,
    distinct_sizes: new Set(sizes).size,
    bytes: sizes.reduce((a, b) => a + b, 0),
    flow_records_per_loop: plan.datagrams.reduce((n, d) => n + d.laterLoopRecords, 0),
    time_fields: plan.datagrams.reduce((n, d) => n + (d.fields?.times.length ?? 0), 0),
    without_fields: plan.datagrams.filter((d) => !d.fields).length,
  }),
);
