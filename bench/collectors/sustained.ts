/**
 * One collector's figures over a send plan, with the same rules for every collector:
 *  - what it writes per loop of the plan is measured first at a low rate (its own definition of a flow: some count
 *    options records, some skip records others decode), so that loss is counted against what it would write;
 *  - a step sends whole loops at one paced rate for STEP_SECONDS and passes when, GRACE_MS after the sender's
 *    end, everything sent is written (nfcapd, whose files can only be read once it stops: when its socket is empty
 *    then and nothing went missing). A collector that only keeps up by queueing fails: its backlog grows;
 *  - the burst is everything the sender can send in BURST_SECONDS: what was lost and how long writing it took.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { freeUdpPort } from '../../test/support/collector.js';
import type { CollectorKind, Final } from './collectors.js';
import { udpBound, udpQueued } from './process-stats.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SenderReport {
  packets: number;
  records: number;
  errors: number;
  seconds: number;
  rate: number;
  asked: number;
  worst_second: number;
}

export interface StepResult {
  asked: number;
  sent: SenderReport;
  expected: number;
  /** Written GRACE_MS after the sender's end (undefined where it cannot be read while running). */
  atGrace: number | undefined;
  /** Bytes left in the socket's queue at that moment. */
  queuedAtGrace: number;
  final: Final;
  passed: boolean;
}

export interface Calibration {
  firstLoop: number;
  perLoop: number;
}

export interface BenchSettings {
  sender: string;
  plan: string;
  planDatagrams: number;
  receiveBuffer: number;
  stepSeconds: number;
  graceMs: number;
  log: (line: string) => void;
}

function send(settings: BenchSettings, port: number, rate: number, packets: number): Promise<SenderReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      settings.sender,
      [settings.plan, '127.0.0.1', String(port), String(rate), '0', String(packets)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as SenderReport)
        : reject(new Error(`paced sender exited with ${code}`)),
    );
  });
}

/** Runs the collector for `loops` loops of the plan at `rate` datagrams/s. */
async function run(
  kind: CollectorKind,
  settings: BenchSettings,
  rate: number,
  loops: number,
  expected: (loops: number) => number,
): Promise<StepResult> {
  const port = await freeUdpPort();
  const collector = await kind.start(port, settings.receiveBuffer);
  const deadline = Date.now() + 60_000;
  while (!udpBound(port)) {
    if (Date.now() > deadline) throw new Error(`${kind.name} did not bind udp/${port} within 60 s`);
    await sleep(100);
  }
  // Templates and state warm up as they do for a collector that has run for a while: not counted, not waited for.
  await sleep(500);
  const sent = await send(settings, port, rate, loops * settings.planDatagrams);
  const sentAt = Date.now();
  await sleep(settings.graceMs);
  const atGrace = await collector.written();
  const queuedAtGrace = udpQueued(port);
  const final = await collector.stop(sentAt);
  const want = expected(loops);
  const passed =
    sent.errors === 0 &&
    final.written >= want &&
    (atGrace === undefined ? queuedAtGrace === 0 : atGrace >= want);
  return { asked: rate, sent, expected: want, atGrace, queuedAtGrace, final, passed };
}

/** What the collector writes for the first loop of the plan and for each loop after it, at a rate it keeps up with. */
export async function calibrate(kind: CollectorKind, settings: BenchSettings): Promise<Calibration> {
  const slow = 1_000;
  const one = await run(kind, settings, slow, 1, () => 0);
  const two = await run(kind, settings, slow, 2, () => 0);
  return { firstLoop: one.final.written, perLoop: two.final.written - one.final.written };
}

const expectedOf = (c: Calibration) => (loops: number) => c.firstLoop + (loops - 1) * c.perLoop;

/** One step: whole loops for at least `stepSeconds` at `rate`. */
export function step(
  kind: CollectorKind,
  settings: BenchSettings,
  calibration: Calibration,
  rate: number,
): Promise<StepResult> {
  const loops = Math.max(1, Math.ceil((rate * settings.stepSeconds) / settings.planDatagrams));
  return run(kind, settings, rate, loops, expectedOf(calibration));
}

/** Datagrams/s tried in order until one fails (the plan carries about 13 flows per datagram); then one step between the last that passed and the first that failed. */
export const LADDER = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000];

export interface Ladder {
  best: StepResult | undefined;
  firstFailure: StepResult | undefined;
  steps: StepResult[];
}

/**
 * Climbs LADDER from `startAt` (its highest rung not above it) until a step fails, then tries one step between the
 * last pass and the first failure. A later round starts where the first found the collector's rate: should its first
 * step fail there, it steps down until one passes.
 */
export async function climb(
  kind: CollectorKind,
  settings: BenchSettings,
  calibration: Calibration,
  startAt: number = LADDER[0],
): Promise<Ladder> {
  const steps: StepResult[] = [];
  let best: StepResult | undefined;
  let firstFailure: StepResult | undefined;
  const tryRate = async (rate: number) => {
    const result = await step(kind, settings, calibration, rate);
    steps.push(result);
    settings.log(`    ${kind.name} ${describeStep(result)}`);
    return result;
  };
  const above = LADDER.findIndex((rate) => rate > startAt);
  let rung = Math.max(0, (above === -1 ? LADDER.length : above) - 1);
  for (; rung < LADDER.length; rung++) {
    const result = await tryRate(LADDER[rung]);
    if (!result.passed) {
      firstFailure = result;
      break;
    }
    best = result;
  }
  while (!best && rung > 0) {
    const result = await tryRate(LADDER[--rung]);
    if (result.passed) best = result;
    else firstFailure = result;
  }
  if (best && firstFailure) {
    const result = await tryRate(Math.round(Math.sqrt(best.asked * firstFailure.asked)));
    if (result.passed) best = result;
    else firstFailure = result;
  }
  return { best, firstFailure, steps };
}

export function describeStep(r: StepResult): string {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const written =
    r.atGrace === undefined ? `${fmt(r.final.written)} in its files` : `${fmt(r.atGrace)} at grace`;
  return (
    `${fmt(r.asked)}/s asked, ${fmt(r.sent.rate)}/s sent (${fmt(r.sent.records)} records): ` +
    `${written}, ${fmt(r.final.written)} in the end of ${fmt(r.expected)} expected -> ${r.passed ? 'kept up' : 'fell behind or lost'}`
  );
}

/** Everything the sender can send in `seconds` (as fast as it goes), then how much is written and when. */
export function burst(
  kind: CollectorKind,
  settings: BenchSettings,
  calibration: Calibration,
  seconds: number,
  senderCeiling: number,
): Promise<StepResult> {
  const loops = Math.max(1, Math.round((senderCeiling * seconds) / settings.planDatagrams));
  return run(kind, settings, 10_000_000, loops, expectedOf(calibration));
}

/** The sender's own ceiling on this machine: datagrams/s it reaches into a socket nobody reads fast. */
export async function senderCeiling(settings: BenchSettings): Promise<number> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const report = await send(settings, socket.address().port, 10_000_000, 4 * settings.planDatagrams);
  socket.close();
  return report.rate;
}
