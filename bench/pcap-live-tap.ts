/**
 * The capture side of bench:pcap's live half, in a process of its own (bench/pcap-live.ts starts it): flowtrail's
 * tap on one interface, a ring and a meter read as `inputs.pcap` reads them (plugins/tap/reader.ts), with the
 * input's defaults (snaplen 262144, a 64 MB ring). The flows it writes out are taken and counted, as the collector
 * hands them on. It says `ready` once the ring is open, captures until its stdin closes, then prints its counters as
 * one JSON line.
 *
 *   tsx bench/pcap-live-tap.ts <interface> <max flows>
 */
import { RECORD_SIZE } from '../codecs/pcap/flow-records.js';
import { createCaptureMeter, METER_DEFAULTS } from '../codecs/pcap/meter.js';
import { readRingIntoMeter } from '../plugins/tap/reader.js';
import { openRing, RING_BLOCK_TIMEOUT_MS, ringGeometry } from '../plugins/tap/ring.js';

const [iface, maxFlows] = process.argv.slice(2);
const ring = openRing({
  interface: iface,
  filter: '',
  snaplen: 262_144,
  promiscuous: true,
  ...ringGeometry(64 * 1024 ** 2),
});
const meter = createCaptureMeter({ ...METER_DEFAULTS, maxFlows: Number(maxFlows) });
let stopped = false;
let flowsTaken = 0;
process.stdin.on('end', () => {
  stopped = true;
});
process.stdin.resume();
console.log('ready');
const intact = await readRingIntoMeter(ring, meter, {
  clockLagMs: 2 * RING_BLOCK_TIMEOUT_MS,
  stopped: () => stopped,
  afterRead: () => {
    flowsTaken += (meter.take()?.length ?? 0) / RECORD_SIZE;
  },
});
const ringStats = ring.stats();
ring.close();
const { user, system } = process.cpuUsage();
console.log(
  JSON.stringify({
    intact,
    ring: ringStats,
    meter: meter.stats(),
    flowsTaken,
    cpuSeconds: (user + system) / 1e6,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
