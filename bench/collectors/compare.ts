/**
 * flowtrail beside Filebeat, GoFlow2 (JSON and protobuf) and nfcapd on the same send plan, rounds alternating the
 * collectors, printed as one table with ratios flowtrail/peer. See sustained.ts for what each figure means.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NATIVE_RING_BYTES } from '../../plugins/netflow/native-reader.js';
import { FIXTURES } from '../../test/support/fixtures.js';
import { buildGoflow2 } from '../../test/support/go-modules.js';
import { pacedSender } from '../sender/build.js';
import { buildPlan, encodePlan } from '../sender/plan.js';
import { exportStreams } from '../sender/streams.js';
import { type CollectorKind, filebeat, flowtrail, goflow2, nfcapd } from './collectors.js';
import { type EmbeddedNode, embeddedNode } from './embedded-node.js';
import { buildFilebeat } from './peers.js';
import {
  type BenchSettings,
  burst,
  type Calibration,
  calibrate,
  climb,
  describeStep,
  type StepResult,
  senderCeiling,
} from './sustained.js';

const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 60);
const GRACE_MS = 2_000;
const BURST_SECONDS = 2;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Figures {
  /** Flows/s written at the highest step that kept up (0 when none did). */
  flowsPerSecond: number;
  cpuPerMillion: number;
  peakRssMb: number;
  burstLost: number;
  burstFlows: number;
  burstDrainSeconds: number | undefined;
}

function figuresOf(best: StepResult | undefined, burstStep: StepResult): Figures {
  const flowsPerSecond = best ? best.expected / (best.sent.packets / best.sent.rate) : 0;
  return {
    flowsPerSecond,
    cpuPerMillion: best ? (best.final.cpuSeconds / best.final.written) * 1e6 : Number.NaN,
    peakRssMb: (best?.final.peakRss ?? 0) / 1024 / 1024,
    burstLost: Math.max(0, burstStep.expected - burstStep.final.written),
    burstFlows: burstStep.expected,
    burstDrainSeconds: burstStep.final.drainMs === undefined ? undefined : burstStep.final.drainMs / 1000,
  };
}

const only = process.env.BENCH_COLLECTORS?.split(',').map((n) => n.trim().toLowerCase());
const wanted = (name: string) => !only || only.some((n) => name.toLowerCase().startsWith(n));

function collectorsToRun(log: (line: string) => void, node: EmbeddedNode | undefined): CollectorKind[] {
  const kinds: CollectorKind[] = [];
  if (wanted(flowtrail.name)) kinds.push(flowtrail);
  if (wanted('goflow2')) {
    const built = buildGoflow2(log);
    if ('binary' in built) kinds.push(goflow2(built.binary, 'json'), goflow2(built.binary, 'bin'));
    else log(`  GoFlow2 left out: ${built.unavailable}`);
  }
  if (wanted(nfcapd.name)) kinds.push(nfcapd);
  if (wanted('filebeat')) {
    const built = buildFilebeat(log);
    if ('binary' in built) kinds.push(filebeat(built.binary));
    else log(`  Filebeat left out: ${built.unavailable}`);
  }
  if (node) kinds.push(node.kind);
  return kinds;
}

export async function compareCollectors(options: {
  rounds: number;
  receiveBuffer: number;
  log: (line: string) => void;
}): Promise<void> {
  const { log } = options;
  const plan = buildPlan(exportStreams(FIXTURES), NATIVE_RING_BYTES);
  const planFile = join(mkdtempSync(join(tmpdir(), 'flowtrail-bench-plan-')), 'plan.bin');
  writeFileSync(planFile, encodePlan(plan));
  const settings: BenchSettings = {
    sender: pacedSender(),
    plan: planFile,
    planDatagrams: plan.datagrams.length,
    receiveBuffer: options.receiveBuffer,
    stepSeconds: STEP_SECONDS,
    graceMs: GRACE_MS,
    log,
  };
  const node = wanted('flowtrail-es-node') ? await embeddedNode(log) : undefined;
  try {
    await compareOn(collectorsToRun(log, node), plan, settings, options.rounds);
  } finally {
    await node?.stop();
  }
}

async function compareOn(
  kinds: CollectorKind[],
  plan: ReturnType<typeof buildPlan>,
  settings: BenchSettings,
  rounds: number,
): Promise<void> {
  const { log } = settings;
  const ceiling = await senderCeiling(settings);
  log(
    `\ncollectors side by side: ${plan.streams.length} exporters (lab exports and vendor captures), ` +
      `${fmt(plan.datagrams.length)} datagrams and ${fmt(plan.datagrams.reduce((n, d) => n + d.laterLoopRecords, 0))} ` +
      `flow records per loop; the paced sender reaches ${fmt(ceiling)} datagrams/s here; ` +
      `steps of ${STEP_SECONDS} s, written within ${GRACE_MS / 1000} s of the sender's end; ` +
      `${settings.receiveBuffer / 1024 / 1024} MiB receive buffer each; one entry of the plan ends exactly at the ` +
      `native receiver's ring end (datagram #${(plan.exactFitAt ?? -1) + 1})`,
  );
  const calibrations = new Map<string, Calibration>();
  for (const kind of kinds) {
    const c = await calibrate(kind, settings);
    // Nothing counted at 1,000 datagrams/s means the bench reads the wrong place, not a collector that keeps up.
    if (c.perLoop <= 0) throw new Error(`${kind.name}: no flows counted for a loop of the plan; see its log`);
    calibrations.set(kind.name, c);
    log(
      `  ${kind.name}: ${fmt(c.firstLoop)} flows written for the first loop, ${fmt(c.perLoop)} per loop after`,
    );
  }
  const results = new Map<string, Figures[]>(kinds.map((k) => [k.name, []]));
  /** Where each collector's ladder starts in the rounds after the first: the rate its first round kept up with. */
  const firstBest = new Map<string, number>();
  for (let round = 0; round < rounds; round++) {
    log(`  round ${round + 1}`);
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      const calibration = calibrations.get(kind.name) as Calibration;
      const ladder = await climb(kind, settings, calibration, firstBest.get(kind.name));
      if (ladder.best && !firstBest.has(kind.name)) firstBest.set(kind.name, ladder.best.asked);
      const burstStep = await burst(kind, settings, calibration, BURST_SECONDS, ceiling);
      log(`    ${kind.name} burst: ${describeStep(burstStep)}`);
      results.get(kind.name)?.push(figuresOf(ladder.best, burstStep));
    }
  }
  printTable(kinds, results, log);
}

function printTable(
  kinds: CollectorKind[],
  results: Map<string, Figures[]>,
  log: (line: string) => void,
): void {
  const med = (name: string, pick: (f: Figures) => number) => median((results.get(name) ?? []).map(pick));
  const ours = (pick: (f: Figures) => number) => med(flowtrail.name, pick);
  log(
    '\n  collector            sustained flows/s   CPU-s per 1M flows   peak RSS MB   burst: flows lost / sent, drain s',
  );
  for (const kind of kinds) {
    const burstDrain = med(kind.name, (f) => f.burstDrainSeconds ?? Number.NaN);
    log(
      `  ${kind.name.padEnd(20)} ${fmt(med(kind.name, (f) => f.flowsPerSecond)).padStart(17)}   ` +
        `${med(kind.name, (f) => f.cpuPerMillion)
          .toFixed(1)
          .padStart(18)}   ` +
        `${fmt(med(kind.name, (f) => f.peakRssMb)).padStart(11)}   ` +
        `${fmt(med(kind.name, (f) => f.burstLost))} / ${fmt(med(kind.name, (f) => f.burstFlows))}, ` +
        `${Number.isNaN(burstDrain) ? 'n/a' : burstDrain.toFixed(1)}`,
    );
  }
  for (const kind of kinds) {
    if (kind === flowtrail) continue;
    const ratio = (pick: (f: Figures) => number) => (ours(pick) / med(kind.name, pick)).toFixed(2);
    log(
      `  flowtrail/${kind.name}: sustained ${ratio((f) => f.flowsPerSecond)}, CPU per flow ${ratio((f) => f.cpuPerMillion)}, ` +
        `peak RSS ${ratio((f) => f.peakRssMb)}`,
    );
  }
  for (const kind of kinds) log(`  ${kind.name}: ${kind.note}`);
}
