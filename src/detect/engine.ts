import type { VolumeBaseline } from './baseline.js';
import { directionOf, type Finding } from './finding.js';
import type { AccessPolicy } from './policy.js';
import type { FlowSample } from './sample.js';

export interface DetectionSettings {
  windowMs: number;
  /** Flows may arrive this late (by flow time) and still count in their window. */
  latenessMs: number;
  scan: { minPorts: number; minDestinations: number; minFailedShare: number };
  volume: { enabled: boolean; minBytes: number; deviations: number; minHistory: number };
}

/** Distinct values kept per set: enough to judge any threshold, bounded against floods of spoofed sources. */
const SET_CAP = 65_536;
const LISTED = 100;

/** Flow records by observer: several exporters on one link report the same flows, which count once (the most). */
class ObservedFlows {
  private readonly byObserver = new Map<string, number>();

  add(observer: string): void {
    this.byObserver.set(observer, (this.byObserver.get(observer) ?? 0) + 1);
  }

  get count(): number {
    let most = 0;
    for (const n of this.byObserver.values()) most = Math.max(most, n);
    return most;
  }
}

interface SourceState {
  internal: boolean;
  flows: ObservedFlows;
  tcp: number;
  failed: number;
  last: number;
  /** Destination → its distinct ports. */
  destinations: Map<string, { internal: boolean; ports: Set<number>; last: number; flows: ObservedFlows }>;
  ports: Set<number>;
}

/** The window every finding of one judgement names. */
interface WindowSpan {
  windowStart: number;
  windowEnd: number;
}

interface WindowState {
  start: number;
  sources: Map<string, SourceState>;
  /** Local host → observer → bytes. */
  volume: Map<
    string,
    { last: number; flows: ObservedFlows; byObserver: Map<string, { sent: number; received: number }> }
  >;
  /** rule, source, destination → flows. */
  policy: Map<
    string,
    {
      rules: Set<string>;
      source: string;
      destination: string;
      sourceInternal: boolean;
      destinationInternal: boolean;
      flows: ObservedFlows;
      ports: Set<number>;
      last: number;
    }
  >;
}

function capAdd<T>(set: Set<T>, value: T): void {
  if (set.size < SET_CAP) set.add(value);
}

function listed<T>(values: Iterable<T>, compare: (a: T, b: T) => number): T[] {
  return [...values].sort(compare).slice(0, LISTED);
}

const byNumber = (a: number, b: number) => a - b;
const byAddress = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * Port scans, address scans, abnormal volume and access-policy violations over tumbling windows of flow time.
 * Pure: flows go in (`push`), findings come out when a window closes, i.e. when flows later than its end plus
 * the allowed lateness have been seen (or at `flush`). Several exporters may report the same traffic: scan
 * counts are of distinct ports and addresses, which duplicates do not change, and volume is the largest of the
 * observers' sums rather than their total.
 */
export class DetectionEngine {
  private readonly windows = new Map<number, WindowState>();
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly settings: DetectionSettings,
    private readonly policy: AccessPolicy,
    private readonly baseline: VolumeBaseline,
  ) {}

  push(flow: FlowSample): Finding[] {
    const start = Math.floor(flow.time / this.settings.windowMs) * this.settings.windowMs;
    if (start + this.settings.windowMs <= this.watermark) return [];
    let window = this.windows.get(start);
    if (!window) {
      window = { start, sources: new Map(), volume: new Map(), policy: new Map() };
      this.windows.set(start, window);
    }
    this.count(window, flow);
    this.watermark = Math.max(this.watermark, flow.time - this.settings.latenessMs);
    return this.close((end) => end <= this.watermark);
  }

  /** Judges every open window (end of a batch, or shutdown). */
  flush(): Finding[] {
    return this.close(() => true);
  }

  private count(window: WindowState, flow: FlowSample): void {
    // A reply (the destination opened the conversation) is not a probe of its sender's.
    if (flow.initiated) this.countProbe(window, flow);
    if (this.settings.volume.enabled) this.countVolume(window, flow);
    this.countPolicy(window, flow);
  }

  private countProbe(window: WindowState, flow: FlowSample): void {
    let source = window.sources.get(flow.source);
    if (!source) {
      source = {
        internal: flow.sourceInternal,
        flows: new ObservedFlows(),
        tcp: 0,
        failed: 0,
        last: 0,
        destinations: new Map(),
        ports: new Set(),
      };
      window.sources.set(flow.source, source);
    }
    source.flows.add(flow.observer);
    source.last = Math.max(source.last, flow.time);
    if (flow.transport === 'tcp') source.tcp++;
    if (flow.failed) source.failed++;
    let destination = source.destinations.get(flow.destination);
    if (!destination && source.destinations.size < SET_CAP) {
      destination = {
        internal: flow.destinationInternal,
        ports: new Set(),
        last: 0,
        flows: new ObservedFlows(),
      };
      source.destinations.set(flow.destination, destination);
    }
    if (destination) {
      destination.flows.add(flow.observer);
      destination.last = Math.max(destination.last, flow.time);
      if (flow.destinationPort !== undefined && (flow.transport === 'tcp' || flow.transport === 'udp'))
        capAdd(destination.ports, flow.destinationPort);
    }
    if (flow.destinationPort !== undefined && (flow.transport === 'tcp' || flow.transport === 'udp'))
      capAdd(source.ports, flow.destinationPort);
  }

  private countVolume(window: WindowState, flow: FlowSample): void {
    for (const [ip, internal] of [
      [flow.source, flow.sourceInternal],
      [flow.destination, flow.destinationInternal],
    ] as const) {
      if (!internal) continue;
      const volume = window.volume.get(ip) ?? {
        last: 0,
        flows: new ObservedFlows(),
        byObserver: new Map<string, { sent: number; received: number }>(),
      };
      volume.flows.add(flow.observer);
      volume.last = Math.max(volume.last, flow.time);
      const seen = volume.byObserver.get(flow.observer) ?? { sent: 0, received: 0 };
      if (ip === flow.source) seen.sent += flow.bytes;
      else seen.received += flow.bytes;
      volume.byObserver.set(flow.observer, seen);
      window.volume.set(ip, volume);
      if (flow.source === flow.destination) break;
    }
  }

  private countPolicy(window: WindowState, flow: FlowSample): void {
    const broken = this.policy.violations(flow);
    if (broken.length > 0) {
      const key = `${flow.source} ${flow.destination}`;
      const hit = window.policy.get(key) ?? {
        rules: new Set<string>(),
        source: flow.source,
        destination: flow.destination,
        sourceInternal: flow.sourceInternal,
        destinationInternal: flow.destinationInternal,
        flows: new ObservedFlows(),
        ports: new Set<number>(),
        last: 0,
      };
      for (const rule of broken) hit.rules.add(rule);
      hit.flows.add(flow.observer);
      hit.last = Math.max(hit.last, flow.time);
      if (flow.destinationPort !== undefined) capAdd(hit.ports, flow.destinationPort);
      window.policy.set(key, hit);
    }
  }

  private close(due: (end: number) => boolean): Finding[] {
    const findings: Finding[] = [];
    for (const start of [...this.windows.keys()].sort((a, b) => a - b)) {
      const end = start + this.settings.windowMs;
      if (!due(end)) continue;
      findings.push(...this.judge(this.windows.get(start)!, end));
      this.windows.delete(start);
      // A window is judged once: flows that still come for it are too late, however it was closed.
      this.watermark = Math.max(this.watermark, end);
    }
    return findings;
  }

  private judge(window: WindowState, windowEnd: number): Finding[] {
    const base = { windowStart: window.start, windowEnd };
    const scanners = this.scanFindings(window, base);
    return [
      ...[...scanners.values()].flat(),
      ...this.policyFindings(window, base, scanners),
      ...this.volumeFindings(window, base),
    ];
  }

  /** Port and address scans, by scanner. */
  private scanFindings(window: WindowState, base: WindowSpan): Map<string, Finding[]> {
    const { scan } = this.settings;
    const scanners = new Map<string, Finding[]>();
    for (const [ip, s] of window.sources) {
      const failedShare = s.tcp === 0 ? 0 : s.failed / s.tcp;
      if (failedShare < scan.minFailedShare) continue;
      const found: Finding[] = [];
      for (const [destination, d] of s.destinations) {
        if (d.ports.size < scan.minPorts) continue;
        found.push({
          ...base,
          type: 'port_scan',
          direction: directionOf(s.internal, d.internal),
          source: ip,
          destination,
          time: d.last,
          level: 'medium',
          evidence: {
            flows: d.flows.count,
            failed_share: round(failedShare),
            distinct_ports: d.ports.size,
            ports: listed(d.ports, byNumber),
          },
        });
      }
      if (s.destinations.size >= scan.minDestinations) {
        found.push({
          ...base,
          type: 'address_scan',
          direction: directionOf(s.internal, undefined),
          source: ip,
          time: s.last,
          level: 'medium',
          evidence: {
            flows: s.flows.count,
            failed_share: round(failedShare),
            distinct_destinations: s.destinations.size,
            distinct_ports: s.ports.size,
            ports: sweptPorts(s),
            destinations: listed(s.destinations.keys(), byAddress),
          },
        });
      }
      if (found.length > 0) scanners.set(ip, found);
    }
    return scanners;
  }

  /**
   * A scanner that reaches a protected service has broken the policy as much as anyone else: that is its own
   * alert (the one an operator of the service acts on), and the scan's evidence names the rules it touched.
   */
  private policyFindings(window: WindowState, base: WindowSpan, scanners: Map<string, Finding[]>): Finding[] {
    const findings: Finding[] = [];
    for (const hit of window.policy.values()) {
      for (const f of scanners.get(hit.source) ?? [])
        f.evidence.policy = [...new Set([...(f.evidence.policy ?? []), ...hit.rules])].sort();
      findings.push({
        ...base,
        type: 'policy',
        direction: directionOf(hit.sourceInternal, hit.destinationInternal),
        source: hit.source,
        destination: hit.destination,
        time: hit.last,
        level: 'high',
        evidence: {
          flows: hit.flows.count,
          policy: [...hit.rules].sort(),
          ports: listed(hit.ports, byNumber),
        },
      });
    }
    return findings;
  }

  /** Local hosts whose bytes in the window exceed their own baseline for that hour. */
  private volumeFindings(window: WindowState, base: WindowSpan): Finding[] {
    const { volume } = this.settings;
    const findings: Finding[] = [];
    for (const [ip, v] of window.volume) {
      let sent = 0;
      let received = 0;
      for (const o of v.byObserver.values()) {
        if (o.sent + o.received > sent + received) [sent, received] = [o.sent, o.received];
      }
      const bytes = sent + received;
      const history = this.baseline.get(ip, window.start);
      const threshold =
        history.n >= volume.minHistory
          ? Math.max(volume.minBytes, history.mean + volume.deviations * history.std)
          : volume.minBytes;
      this.baseline.observe(ip, window.start, bytes);
      if (bytes <= threshold) continue;
      findings.push({
        ...base,
        type: 'volume',
        direction: sent >= received ? 'outgoing' : 'incoming',
        source: ip,
        time: v.last,
        level: 'medium',
        evidence: {
          flows: v.flows.count,
          bytes,
          bytes_sent: sent,
          bytes_received: received,
          baseline_bytes: round(history.mean),
          threshold_bytes: round(threshold),
        },
      });
    }
    return findings;
  }
}

/** An address scan's ports, those tried on the most destinations first (a sweep's ports lead the list). */
function sweptPorts(s: SourceState): number[] {
  const reach = new Map<number, number>();
  for (const d of s.destinations.values())
    for (const port of d.ports) reach.set(port, (reach.get(port) ?? 0) + 1);
  return [...reach.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, LISTED)
    .map(([port]) => port);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
