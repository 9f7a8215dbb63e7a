/**
 * Packet capture file -> flows, packets per second per core, side by side in one run: flowtrail's native meter
 * (codecs/pcap: reading the capture, metering, flow records out to JavaScript), `softflowd -r` (exporting NetFlow v9
 * to a UDP socket that drops it) and `argus -r` (writing its flow records to a file). The input is the lab's
 * uplink.pcap repeated BENCH_COPIES times into one larger capture, each copy moved BENCH_GAP_S seconds later than the
 * one before (longer than the idle timeouts, so each copy's flows end before the next starts, as they would on a
 * wire). Per core means per CPU second of the process (user + system), so a loaded machine slows the wall clock,
 * not the figure; medians over BENCH_ROUNDS rounds, with the load average printed. `flowtrail+store` is the same
 * meter with the packet store on (every frame also written to a ring of 64 MB pcap files in the temporary
 * directory, indexed, each file synced to disk when sealed): what keeping the packets costs. Then the live half
 * (pcap-live.ts, as root): the zero-loss rate of flowtrail's tap and of softflowd capturing one veth that tcpreplay
 * drives, step by step up a ladder of packet rates.
 *
 *   npm run bench:pcap
 *   BENCH_COPIES=100 BENCH_ROUNDS=7 npm run bench:pcap
 *   BENCH_PARTS=live BENCH_LIVE_PPS=25000,50000,top BENCH_LIVE_PACKETS=100000 BENCH_LIVE_MAX_FLOWS=4096 npm run bench:pcap
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createCaptureMeter,
  createRecordingMeter,
  METER_DEFAULTS,
  meterUnavailable,
} from '../codecs/pcap/meter.js';
import { PacketStore } from '../src/packets/writer.js';
import { FIXTURES } from '../test/support/fixtures.js';
import { softflowdReadArgs } from '../test/support/flow-references.js';
import { liveBench, liveBenchMissing } from './pcap-live.js';

/** `file`, `live` or both (the default). */
const PARTS = (process.env.BENCH_PARTS ?? 'file,live').split(',');
const COPIES = Number(process.env.BENCH_COPIES ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const GAP_S = Number(process.env.BENCH_GAP_S ?? 3600);

/** The lab capture's records repeated, each copy's times moved on; returns the file and its packet count. */
function buildCapture(dir: string): { path: string; packets: number } {
  const lab = readFileSync(join(FIXTURES, 'lab', 'uplink.pcap'));
  if (lab.readUInt32LE(0) !== 0xa1b2c3d4)
    throw new Error('uplink.pcap: expected a little-endian microsecond pcap');
  const records: Array<{ at: number; length: number }> = [];
  for (let at = 24; at + 16 <= lab.length; ) {
    const length = 16 + lab.readUInt32LE(at + 8);
    records.push({ at, length });
    at += length;
  }
  const body = lab.subarray(24);
  const out = Buffer.alloc(24 + body.length * COPIES);
  lab.copy(out, 0, 0, 24);
  for (let copy = 0; copy < COPIES; copy++) {
    const base = 24 + copy * body.length;
    body.copy(out, base);
    for (const r of records) {
      const at = base + (r.at - 24);
      out.writeUInt32LE(out.readUInt32LE(at) + copy * GAP_S, at);
    }
  }
  const path = join(dir, 'uplink-repeated.pcap');
  writeFileSync(path, out);
  return { path, packets: records.length * COPIES };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** CPU seconds (user + system) a command takes, from GNU time. */
function cpuSeconds(command: string, args: string[]): number {
  const run = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', command, ...args], { encoding: 'utf8' });
  const line = /cpu ([\d.]+) ([\d.]+)/.exec(run.stderr);
  if (run.status !== 0 || line === null) throw new Error(`${command} failed: ${run.stderr.slice(-500)}`);
  return Number(line[1]) + Number(line[2]);
}

/** flowtrail's meter: the whole capture in (one buffer, as a file read hands it over), every flow out. */
function flowtrailRound(capture: Buffer): { cpu: number; flows: number } {
  const before = process.cpuUsage();
  const meter = createCaptureMeter();
  const chunk = 1 << 20;
  let flows = 0;
  for (let at = 0; at < capture.length; at += chunk) {
    meter.push(capture.subarray(at, at + chunk));
    flows += (meter.take()?.length ?? 0) / 176;
  }
  meter.end();
  flows += (meter.take()?.length ?? 0) / 176;
  const used = process.cpuUsage(before);
  return { cpu: (used.user + used.system) / 1e6, flows };
}

/** The same, with the packet store writing every frame to a ring in `ring` (emptied before and after). */
function storeRound(capture: Buffer, ring: string): { cpu: number; flows: number; bytes: number } {
  rmSync(ring, { recursive: true, force: true });
  const before = process.cpuUsage();
  const store = new PacketStore(
    { dir: ring, maxBytes: 1 << 40, maxAgeMs: 86_400_000, fileBytes: 64 << 20, sessionsPerFile: 65_536 },
    (fields, message) => console.warn(message, fields),
  );
  const meter = createRecordingMeter(METER_DEFAULTS, 65_536);
  const writer = store.writer(meter);
  const chunk = 1 << 20;
  let flows = 0;
  for (let at = 0; at < capture.length; at += chunk) {
    meter.push(capture.subarray(at, at + chunk));
    writer.afterPush();
    flows += (meter.take()?.length ?? 0) / 176;
  }
  meter.end();
  writer.close();
  flows += (meter.take()?.length ?? 0) / 176;
  const used = process.cpuUsage(before);
  if (store.counters.writeErrors > 0) throw new Error(`the packet store failed to write: see the warning`);
  rmSync(ring, { recursive: true, force: true });
  return { cpu: (used.user + used.system) / 1e6, flows, bytes: store.counters.bytes };
}

async function fileBench(): Promise<void> {
  const unavailable = meterUnavailable();
  if (unavailable !== undefined) throw new Error(`the native meter is not built: ${unavailable}`);
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-bench-pcap-'));
  const sink = createSocket('udp4');
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  const port = sink.address().port;
  sink.on('message', () => {});
  const loadBefore = loadavg();
  try {
    const { path, packets } = buildCapture(dir);
    const capture = readFileSync(path);
    console.log(
      `input: uplink.pcap x${COPIES} = ${packets} packets, ${(capture.length / 1e6).toFixed(1)} MB; ${ROUNDS} rounds; load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')}`,
    );
    const rates: Record<string, number[]> = {
      flowtrail: [],
      'flowtrail+store': [],
      softflowd: [],
      argus: [],
    };
    let flowtrailFlows = 0;
    let storedBytes = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const ours = flowtrailRound(capture);
      flowtrailFlows = ours.flows;
      rates.flowtrail.push(packets / ours.cpu);
      const stored = storeRound(capture, join(dir, 'ring'));
      if (stored.flows !== ours.flows)
        throw new Error(`with the store: ${stored.flows} flows, without: ${ours.flows}`);
      storedBytes = stored.bytes;
      rates['flowtrail+store'].push(packets / stored.cpu);
      rates.softflowd.push(
        packets /
          cpuSeconds(
            'softflowd',
            softflowdReadArgs(path, port, `/tmp/sb${port}`, join(dir, 'softflowd.pid')),
          ),
      );
      const archive = join(dir, 'flows.argus');
      rates.argus.push(packets / cpuSeconds('argus', ['-r', path, '-w', archive]));
      rmSync(archive, { force: true });
    }
    const medians = Object.fromEntries(Object.entries(rates).map(([name, r]) => [name, median(r)]));
    const mpps = (rate: number) => `${(rate / 1e6).toFixed(2)} M packets/s per core`;
    for (const [name, rate] of Object.entries(medians))
      console.log(
        `${name.padEnd(16)} ${mpps(rate)}  (rounds: ${rates[name].map((r) => (r / 1e6).toFixed(2)).join(' ')})`,
      );
    console.log(`flowtrail flows out per round: ${flowtrailFlows}`);
    console.log(
      `packet store: ${(storedBytes / 1e6).toFixed(1)} MB of records per round; with it flowtrail meters at ${(
        (100 * medians['flowtrail+store']) / medians.flowtrail
      ).toFixed(0)}% of its rate without`,
    );
    console.log(
      `ratios: flowtrail/softflowd ${(medians.flowtrail / medians.softflowd).toFixed(2)}, flowtrail/argus ${(medians.flowtrail / medians.argus).toFixed(2)}`,
    );
    console.log(
      `targets: >= 2M packets/s per core ${medians.flowtrail >= 2e6 ? 'met' : 'NOT met'}; >= softflowd ${medians.flowtrail >= medians.softflowd ? 'met' : 'NOT met'}`,
    );
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The live half's ladder: packets per second, `top` for tcpreplay's top speed. */
function ladder(text: string): Array<number | 'top'> {
  return text.split(',').map((step) => (step === 'top' ? 'top' : Number(step)));
}

if (PARTS.includes('file')) await fileBench();
if (PARTS.includes('live')) {
  const missing = liveBenchMissing();
  if (missing !== undefined) console.log(`live half skipped: it ${missing}`);
  else
    await liveBench({
      ladder: ladder(process.env.BENCH_LIVE_PPS ?? '25000,50000,100000,200000,400000,top'),
      packetsPerStep: Number(process.env.BENCH_LIVE_PACKETS ?? 400_000),
      maxFlows: Number(process.env.BENCH_LIVE_MAX_FLOWS ?? 16_384),
    });
}
