import { describe, expect, it } from 'vitest';
import { VolumeBaseline } from './baseline.js';
import { DetectionEngine, type DetectionSettings } from './engine.js';
import { FindingAggregator } from './notifications.js';
import { AccessPolicy } from './policy.js';
import type { FlowSample } from './sample.js';

const settings: DetectionSettings = {
  windowMs: 60_000,
  latenessMs: 10_000,
  scan: { minPorts: 50, minDestinations: 30, minFailedShare: 0.5 },
  volume: { enabled: true, minBytes: 1_000_000, deviations: 3, minHistory: 3 },
};
const T = Date.parse('2026-11-21T22:05:00Z');

function sample(over: Partial<FlowSample>): FlowSample {
  return {
    time: T + 1000,
    source: '203.0.113.66',
    destination: '10.77.0.1',
    destinationPort: 80,
    transport: 'tcp',
    bytes: 44,
    sourceInternal: false,
    destinationInternal: true,
    failed: true,
    initiated: true,
    observer: 'a',
    ...over,
  };
}

function engine(
  policies: ConstructorParameters<typeof AccessPolicy>[0] = [],
  baseline = new VolumeBaseline(),
) {
  return new DetectionEngine(settings, new AccessPolicy(policies), baseline);
}

describe('DetectionEngine', () => {
  it('finds a port scan at the threshold and not below it', () => {
    for (const [ports, found] of [
      [49, 0],
      [50, 1],
    ]) {
      const e = engine();
      for (let p = 1; p <= ports; p++) e.push(sample({ destinationPort: p }));
      const findings = e.flush();
      expect(
        findings.filter((f) => f.type === 'port_scan'),
        `${ports} ports`,
      ).toHaveLength(found);
    }
  });

  it('needs most attempts to fail: a busy client contacting many ports successfully is no scanner', () => {
    const e = engine();
    for (let p = 1; p <= 100; p++) e.push(sample({ destinationPort: p, failed: p > 60 }));
    expect(e.flush()).toEqual([]);
  });

  it('finds an outgoing address scan with its ports and destinations as evidence', () => {
    const e = engine();
    for (let i = 1; i <= 40; i++)
      e.push(
        sample({
          source: '10.77.0.9',
          sourceInternal: true,
          destination: `198.51.100.${i}`,
          destinationInternal: false,
          destinationPort: 445,
        }),
      );
    const [finding] = e.flush();
    expect(finding).toMatchObject({
      type: 'address_scan',
      direction: 'outgoing',
      source: '10.77.0.9',
      evidence: { distinct_destinations: 40, ports: [445], failed_share: 1 },
    });
    expect(finding.evidence.destinations?.slice(0, 3)).toEqual([
      '198.51.100.1',
      '198.51.100.2',
      '198.51.100.3',
    ]);
  });

  it("does not take a host's replies to a scanner for probes of its own", () => {
    const e = engine();
    const infected = { source: '10.77.0.9', sourceInternal: true, destinationInternal: false };
    // 10.77.0.9 scans tcp/445 outward, and refuses the scanner's probes of its ports 22 and 3389 meanwhile.
    for (let i = 1; i <= 40; i++)
      e.push(sample({ ...infected, destination: `198.51.100.${i}`, destinationPort: 445 }));
    for (const port of [34311, 34312])
      e.push(sample({ ...infected, destination: '203.0.113.66', destinationPort: port, initiated: false }));
    const findings = e.flush().filter((f) => f.source === '10.77.0.9');
    expect(findings).toHaveLength(1);
    expect(findings[0].evidence).toMatchObject({ distinct_destinations: 40, ports: [445], flows: 40 });
  });

  it('counts the flows of a scan once, however many exporters reported them', () => {
    const e = engine();
    for (let p = 1; p <= 60; p++)
      for (const observer of ['127.0.0.1:9905', '127.0.0.1:9909', '127.0.0.1:9910'])
        e.push(sample({ destinationPort: p, observer }));
    const [finding] = e.flush();
    expect(finding).toMatchObject({ type: 'port_scan', evidence: { flows: 60, distinct_ports: 60 } });
  });

  it('closes a window once flows past its end plus the lateness arrive, and drops flows later than that', () => {
    const e = engine();
    for (let p = 1; p <= 60; p++) expect(e.push(sample({ destinationPort: p }))).toEqual([]);
    expect(e.push(sample({ time: T + 65_000, source: '192.0.2.9' }))).toEqual([]);
    const closed = e.push(sample({ time: T + 71_000, source: '192.0.2.9' }));
    expect(closed.map((f) => f.type)).toEqual(['port_scan']);
    // Too late for the closed window: not counted anywhere.
    expect(e.push(sample({ time: T + 2000, destinationPort: 61 }))).toEqual([]);
    expect(e.flush()).toEqual([]);
  });

  it('reports a policy violation by anyone outside allow_from, a scanner too, and names the rule on its scan', () => {
    const rule = {
      name: 'ssh',
      destination: '10.77.0.1',
      port: 22,
      protocol: 'tcp' as const,
      allow_from: ['10.0.0.0/8'],
    };
    const e = engine([rule]);
    e.push(sample({ source: '198.51.100.30', destinationPort: 22, failed: false }));
    e.push(sample({ source: '10.77.0.5', sourceInternal: true, destinationPort: 22, failed: false }));
    e.push(sample({ source: '198.51.100.30', destination: '10.77.0.2', destinationPort: 22, failed: false }));
    for (let p = 1; p <= 60; p++) e.push(sample({ destinationPort: p }));
    const findings = e.flush();
    expect(findings.map((f) => [f.type, f.source, f.destination])).toEqual([
      ['port_scan', '203.0.113.66', '10.77.0.1'],
      ['policy', '198.51.100.30', '10.77.0.1'],
      ['policy', '203.0.113.66', '10.77.0.1'],
    ]);
    expect(findings[0].evidence.policy).toEqual(['ssh']);
    // The scanner's violation is its probe of port 22 alone, not the other 59 ports of its scan.
    expect(findings[2].evidence).toEqual({ flows: 1, policy: ['ssh'], ports: [22] });
  });

  it("judges volume against the host's own history at that hour, with the floor until there is enough of it", () => {
    const baseline = new VolumeBaseline();
    const e = engine([], baseline);
    const day = 86_400_000;
    const heavy = (time: number, bytes: number) =>
      sample({
        time,
        source: '10.77.0.5',
        sourceInternal: true,
        destination: '198.51.100.20',
        destinationInternal: false,
        bytes,
        failed: false,
      });
    // Below the floor: nothing, however unusual.
    e.push(heavy(T, 900_000));
    // Four quiet days of ~2 MB at this hour: above the floor, but normal for this host once history exists.
    const found = [];
    for (let d = 1; d <= 4; d++) found.push(...e.push(heavy(T + d * day, 2_000_000 + d * 1000)));
    found.push(...e.push(heavy(T + 5 * day, 2_002_500)));
    found.push(...e.push(heavy(T + 6 * day, 20_000_000)));
    found.push(...e.flush());
    // Day 1 and 2 exceed the floor before three windows of history exist; day 6 is far above the baseline.
    expect(found.map((f) => Math.round((f.windowStart - T) / day))).toEqual([1, 2, 6]);
    expect(found[2].evidence).toMatchObject({ bytes: 20_000_000, bytes_sent: 20_000_000 });
    expect(found[2].evidence.threshold_bytes).toBeGreaterThan(2_000_000);
  });

  it("counts the largest observer's volume, not the sum over exporters that saw the same traffic", () => {
    const e = engine();
    for (const observer of ['a', 'b', 'c'])
      e.push(
        sample({
          source: '10.77.0.5',
          sourceInternal: true,
          destinationInternal: false,
          bytes: 600_000,
          observer,
          failed: false,
        }),
      );
    expect(e.flush()).toEqual([]);
  });
});

describe('FindingAggregator', () => {
  it("makes one message of a scanner's findings until its window passes", () => {
    const e = engine();
    for (let i = 1; i <= 40; i++) e.push(sample({ destination: `10.77.0.${i}`, destinationPort: i }));
    for (let p = 1; p <= 60; p++) e.push(sample({ destinationPort: 1000 + p }));
    const findings = e.flush();
    expect(findings.map((f) => f.type).sort()).toEqual(['address_scan', 'port_scan']);
    const aggregator = new FindingAggregator(60_000);
    expect(aggregator.add(findings, 0)).toHaveLength(1);
    expect(aggregator.add(findings.slice(0, 1), 30_000)).toHaveLength(0);
    expect(aggregator.due(59_999)).toEqual([]);
    const [message] = aggregator.due(60_000);
    expect(message).toMatchObject({ kind: 'scan', source: '203.0.113.66' });
    expect(message.findings).toHaveLength(3);
    expect(aggregator.add(findings.slice(0, 1), 61_000)).toHaveLength(1);
  });
});
