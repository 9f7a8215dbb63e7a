/**
 * The live half of bench:pcap: the highest packet rate each capturer meters without losing a packet, flowtrail's
 * tap against softflowd, in the same run, on the same veth. The veth's far end is in a network namespace of the
 * bench's own, where tcpreplay sends the lab's uplink.pcap (looped, each loop with new addresses: --unique-ip, so
 * flows keep coming and the meters' tables fill) at each rate of a ladder (--pps), then at --topspeed. On the host
 * end both capture at the same time: flowtrail's tap in a process of its own (pcap-live-tap.ts: its ring and meter
 * as `inputs.pcap` has them) and `softflowd -i` exporting NetFlow v9 to a socket that drops it. A capturer is
 * lossless at a step when it metered every frame the host end received (the veth's rx counter); the zero-loss
 * rate is the highest step up to which it was lossless at every step. Each step starts both afresh, with the same
 * max flows, and their peak RSS is printed: with more flows than that coming, it must stay flat from step to step.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { FIXTURES } from '../test/support/fixtures.js';
import { toolsMissing } from '../test/support/requirements.js';
import { ended, said } from '../test/support/traffic.js';
import { createVethLink, type VethLink } from '../test/support/veth.js';
import { peakRss } from './collectors/process-stats.js';

const run = promisify(execFile);

export interface LiveBenchOptions {
  /** Packets per second asked of tcpreplay at each step; `top`: --topspeed. */
  ladder: Array<number | 'top'>;
  /** Packets sent at each step (whole loops of the capture, at least one). */
  packetsPerStep: number;
  /** Flows each meter holds at most (flowtrail's max_flows, softflowd's -m). */
  maxFlows: number;
}

/** Why the live half cannot run here, or undefined when it can. */
export function liveBenchMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (a network namespace, captures)';
  return toolsMissing('ip', 'tcpreplay', 'softflowd', 'softflowctl');
}

interface Capture {
  /** Frames it metered (IP or not), and those the kernel dropped before it read them. */
  metered: number;
  drops: number;
  peakRss: number;
  active: number;
  evicted: number;
}

interface Step {
  asked: number | 'top';
  sent: number;
  rate: number;
  received: number;
  flowtrail: Capture;
  softflowd: Capture;
}

const TAP_SCRIPT = join(import.meta.dirname, 'pcap-live-tap.ts');

function rxCounters(iface: string): { packets: number; dropped: number } {
  const read = (name: string) => Number(readFileSync(`/sys/class/net/${iface}/statistics/${name}`, 'utf8'));
  return { packets: read('rx_packets'), dropped: read('rx_dropped') };
}

/** flowtrail's tap, started now; `stop` ends it and reads its counters. */
async function startTap(iface: string, maxFlows: number): Promise<{ stop(): Promise<Capture> }> {
  // The same Node with the same loader (tsx) as this process.
  const child = spawn(process.execPath, [...process.execArgv, TAP_SCRIPT, iface, String(maxFlows)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await said(child, /ready/);
  return {
    async stop() {
      child.stdin.end();
      await ended(child, 30_000);
      const report = JSON.parse(out.trim().split('\n').pop() ?? '{}');
      if (!report.intact) throw new Error(`the tap lost its stream's framing: ${report.meter.error}`);
      return {
        metered: report.meter.frames,
        drops: report.ring.kernelDrops,
        peakRss: report.peakRssBytes,
        active: report.meter.active,
        evicted: report.meter.evicted,
      };
    },
  };
}

/** One number of `softflowctl statistics`'s text, by its label. */
function statistic(text: string, label: RegExp): number {
  const match = new RegExp(`${label.source}\\s*:?\\s*(\\d+)`, 'i').exec(text);
  if (match === null) throw new Error(`softflowctl statistics: no ${label} in:\n${text}`);
  return Number(match[1]);
}

/** softflowd capturing `iface`, exporting to `port`, started now; `stop` reads its counters and ends it. */
async function startSoftflowd(
  iface: string,
  port: number,
  maxFlows: number,
  dir: string,
): Promise<{ stop(): Promise<Capture> }> {
  // softflowd's control socket path must be short (see test/support/flow-references.ts).
  const control = `/tmp/sl${port}`;
  rmSync(control, { force: true });
  const child: ChildProcess = spawn(
    'softflowd',
    [
      '-i',
      iface,
      '-n',
      `127.0.0.1:${port}`,
      '-v',
      '9',
      '-d',
      '-m',
      String(maxFlows),
      '-c',
      control,
      '-p',
      join(dir, 'softflowd.pid'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await said(child, /starting data collection/i);
  return {
    async stop() {
      const { stdout } = await run('softflowctl', ['-c', control, 'statistics']);
      const peak = peakRss(child.pid ?? 0);
      child.kill('SIGTERM');
      await ended(child, 30_000);
      // What libpcap took from the socket is what softflowd read (its own `Packets processed` leaves some out).
      const drops =
        statistic(stdout, /Packets dropped by libpcap/) + statistic(stdout, /Packets dropped by interface/);
      return {
        metered: statistic(stdout, /Packets received by libpcap/) - drops,
        drops,
        peakRss: peak,
        active: statistic(stdout, /Number of active flows/),
        evicted: statistic(stdout, /Flows expired: \d+ \(/),
      };
    },
  };
}

/** tcpreplay's counters: packets sent and the rate it reports. */
function replayed(text: string): { sent: number; rate: number } {
  const sent = /Successful packets:\s+(\d+)/.exec(text);
  const rate = /Rated:.*?([\d.]+) pps/.exec(text);
  if (sent === null || rate === null) throw new Error(`tcpreplay said:\n${text}`);
  return { sent: Number(sent[1]), rate: Number(rate[1]) };
}

async function step(
  link: VethLink,
  capture: string,
  asked: number | 'top',
  loops: number,
  options: LiveBenchOptions,
  port: number,
  dir: string,
): Promise<Step> {
  const tap = await startTap(link.hostInterface, options.maxFlows);
  const softflowd = await startSoftflowd(link.hostInterface, port, options.maxFlows, dir);
  const before = rxCounters(link.hostInterface);
  const pace = asked === 'top' ? ['--topspeed'] : [`--pps=${asked}`];
  const text = await link.exec(
    'tcpreplay',
    ['-i', 'eth0', '-K', `--loop=${loops}`, '--unique-ip', ...pace, capture],
    600_000,
  );
  // Both hand over what they hold within a second (the tap's blocks after 64 ms; libpcap's buffer on a poll).
  await sleep(1500);
  const after = rxCounters(link.hostInterface);
  const [flowtrail, softflow] = [await tap.stop(), await softflowd.stop()];
  return {
    asked,
    ...replayed(text),
    received: after.packets - before.packets,
    flowtrail,
    softflowd: softflow,
  };
}

/** The highest step up to which a capturer was lossless at every step, or 0. */
function zeroLossRate(steps: Step[], who: 'flowtrail' | 'softflowd'): number {
  let best = 0;
  for (const s of steps) {
    if (s[who].metered < s.received || s[who].drops > 0) break;
    best = Math.max(best, s.rate);
  }
  return best;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

function line(s: Step, who: 'flowtrail' | 'softflowd'): string {
  const c = s[who];
  const lossless = c.metered >= s.received && c.drops === 0;
  return `${who} ${c.metered} metered, ${c.drops} dropped (${lossless ? 'lossless' : 'LOST'}), ${c.active} flows held, ${c.evicted} evicted, peak RSS ${mb(c.peakRss)}`;
}

/** The frames of a pcap file (its records after the 24-byte header). */
function framesOf(path: string): number {
  const file = readFileSync(path);
  let frames = 0;
  for (let at = 24; at + 16 <= file.length; at += 16 + file.readUInt32LE(at + 8)) frames++;
  return frames;
}

export async function liveBench(options: LiveBenchOptions): Promise<void> {
  const capture = join(FIXTURES, 'lab', 'uplink.pcap');
  if (!existsSync(capture)) throw new Error(`the live half needs ${capture}`);
  const frames = framesOf(capture);
  const loops = Math.max(1, Math.ceil(options.packetsPerStep / frames));
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-bench-pcap-live-'));
  const sink = createSocket('udp4');
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  sink.on('message', () => {});
  const link = await createVethLink();
  console.log(
    `live: uplink.pcap x${loops} (${loops * frames} packets, new addresses each loop) a step, on a veth; max flows ${options.maxFlows}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const steps: Step[] = [];
  try {
    for (const asked of options.ladder) {
      const s = await step(link, capture, asked, loops, options, sink.address().port, dir);
      steps.push(s);
      console.log(
        `  ${asked === 'top' ? 'topspeed' : `--pps ${asked}`}: sent ${s.sent} at ${Math.round(s.rate)} pps, host end received ${s.received}`,
      );
      console.log(`    ${line(s, 'flowtrail')}`);
      console.log(`    ${line(s, 'softflowd')}`);
    }
  } finally {
    await link.cleanup();
    sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const ours = zeroLossRate(steps, 'flowtrail');
  const theirs = zeroLossRate(steps, 'softflowd');
  const top = Math.round(steps[steps.length - 1]?.rate ?? 0);
  const reached = (rate: number) =>
    rate === 0
      ? 'none of the steps'
      : `${Math.round(rate)} pps${Math.round(rate) === top ? ' (the top step: at least)' : ''}`;
  console.log(`zero-loss rate: flowtrail ${reached(ours)}, softflowd ${reached(theirs)}`);
  console.log(
    `ratio flowtrail/softflowd ${theirs === 0 ? 'n/a' : (ours / theirs).toFixed(2)}; target (>= softflowd) ${ours >= theirs ? 'met' : 'NOT met'}`,
  );
}
