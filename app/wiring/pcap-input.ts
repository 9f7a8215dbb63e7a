import { hostname } from 'node:os';
import { join } from 'node:path';
import { Counter, Gauge } from 'prom-client';
import { createLiveFlowMeter } from '../../codecs/pcap/live.js';
import { meterUnavailable } from '../../codecs/pcap/meter.js';
import { RingOpenError, ringGeometry, ringUnavailable } from '../../plugins/tap/ring.js';
import { createTapSource, type TapSource, type TapStats } from '../../plugins/tap/source.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { UsageError } from '../../src/errors.js';
import type { Metrics } from '../../src/observability/metrics.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { dataDirOf } from './paths.js';

/** Where the tap's flows wait until they are written. */
export function tapJournalDirOf(config: FlowtrailConfig): string {
  return join(dataDirOf(config), 'pcap', 'flows');
}

function unavailable(): string | undefined {
  const ring = ringUnavailable();
  if (ring !== undefined) return `inputs.pcap: live capture is not built here (${ring})`;
  const meter = meterUnavailable();
  return meter === undefined ? undefined : `inputs.pcap: the flow meter is not built here (${meter})`;
}

/**
 * The live tap of the configuration: its rings are opened now, so a missing interface or capability stops the start
 * with a message naming the interface and what to do.
 */
export function createPcapInput(config: FlowtrailConfig, localNetworks: LocalNetworks): TapSource {
  const settings = config.inputs.pcap;
  const missing = unavailable();
  if (missing !== undefined) throw new UsageError(missing);
  const host = hostname();
  const tap = { name: settings.observer ?? host, hostname: host };
  const meter = {
    maxFlows: settings.max_flows,
    idleTimeoutMs: settings.idle_timeout,
    activeTimeoutMs: settings.active_timeout,
  };
  try {
    return createTapSource({
      interfaces: settings.interfaces,
      ring: {
        filter: settings.filter,
        snaplen: settings.snaplen,
        promiscuous: settings.promiscuous,
        ...ringGeometry(settings.ring_bytes),
      },
      meterFor: (name, ifindex) =>
        createLiveFlowMeter(meter, { ...tap, interface: { id: String(ifindex), name } }, localNetworks),
      journalDir: tapJournalDirOf(config),
    });
  } catch (err) {
    if (!(err instanceof RingOpenError)) throw err;
    throw new UsageError(`inputs.pcap: ${captureRefusal(err)}`);
  }
}

/** Why an interface cannot be captured, and, when the capability is missing, how to give it. */
export function captureRefusal(err: RingOpenError): string {
  const fix = err.permission
    ? ' (run as root, or give node the capability: sudo setcap cap_net_raw,cap_net_admin=eip "$(readlink -f "$(command -v node)")")'
    : '';
  return `cannot capture on ${err.interfaceName}: ${err.message}${fix}`;
}

type InterfaceCounter = (s: TapStats['interfaces'][number]) => number;

const INTERFACE_COUNTERS: Array<[string, string, InterfaceCounter]> = [
  [
    'kernel_packets',
    'Packets the capture socket took from the interface (those the kernel dropped included), per interface',
    (s) => s.ring.kernelPackets,
  ],
  [
    'kernel_drops',
    'Packets the kernel dropped because the capture ring was full (the meter fell behind), per interface',
    (s) => s.ring.kernelDrops,
  ],
  ['captured_packets', 'Packets read out of the capture ring, per interface', (s) => s.ring.frames],
  [
    'captured_bytes',
    'Captured bytes (cut to snaplen) read out of the capture ring, per interface',
    (s) => s.ring.bytes,
  ],
  [
    'metered_ip_packets',
    'IP packets the flow meter counted into flows, per interface',
    (s) => s.meter.ipPackets,
  ],
  [
    'not_ip_packets',
    'Packets without IP (ARP, LLDP...) the flow meter skipped, per interface',
    (s) => s.meter.notIp,
  ],
  ['broken_packets', 'Packets whose headers were cut or damaged, per interface', (s) => s.meter.broken],
  ['flows', 'Flows the meter wrote out, per interface', (s) => s.meter.flows],
  [
    'evicted_flows',
    'Flows written out early because the meter held inputs.pcap.max_flows, per interface',
    (s) => s.meter.evicted,
  ],
  [
    'socket_errors',
    'Errors the capture socket reported (the interface went down), per interface',
    (s) => s.ring.socketErrors,
  ],
];

const TAP_COUNTERS: Array<[string, string, (s: TapStats) => number]> = [
  [
    'journal_failures',
    'Batches of flows that could not be kept in the journal (disk full or failing)',
    (s) => s.journalFailures,
  ],
  ['replayed_flows', 'Flows a previous run left in the journal that this run wrote', (s) => s.replayedFlows],
];

/** The tap's counters on /metrics, read from it on every scrape. */
export function registerTapMetrics(metrics: Metrics, source: TapSource): void {
  const registers = [metrics.registry];
  const read = (): TapStats => source.stats();
  for (const [name, help, value] of INTERFACE_COUNTERS) {
    new Counter({
      name: `flowtrail_pcap_${name}_total`,
      help,
      labelNames: ['interface'],
      registers,
      collect() {
        this.reset();
        for (const s of read().interfaces) this.inc({ interface: s.interface }, value(s));
      },
    });
  }
  new Gauge({
    name: 'flowtrail_pcap_active_flows',
    help: 'Flows the meter holds now: what a crash of the collector would lose at most, per interface',
    labelNames: ['interface'],
    registers,
    collect() {
      this.reset();
      for (const s of read().interfaces) this.set({ interface: s.interface }, s.meter.active);
    },
  });
  for (const [name, help, value] of TAP_COUNTERS) {
    new Counter({
      name: `flowtrail_pcap_${name}_total`,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(value(read()));
      },
    });
  }
}
