import { describe, expect, it } from 'vitest';
import { historySpans } from './activity.js';
import type { AlertDoc, FlowDoc } from './documents.js';
import { isFailedAttempt } from './documents.js';
import { matchPlans } from './match.js';
import { summarizeSession } from './session.js';

const options = { toleranceMs: 5000, scanLookbackMs: 300_000 };

const ssh: AlertDoc = {
  '@timestamp': '2026-11-21T22:05:42.500Z',
  source: { ip: '198.51.100.30', port: 60533 },
  destination: { ip: '10.77.0.1', port: 22 },
  network: { transport: 'tcp', community_id: '1:Uf7q5Hy3aI/ZdiqH/id2MTqM8Ag=' },
};

describe('matchPlans', () => {
  it('tries the community id first, then the 5-tuple in both directions', () => {
    const plans = matchPlans(ssh, options);
    expect(plans.map((p) => p.strategy)).toEqual(['community_id', 'five_tuple']);
    const tuple = JSON.stringify(plans[1].query);
    expect(tuple).toContain('"source.port":60533');
    expect(tuple).toContain('"source.port":22');
    expect(tuple).toContain('"network.transport":"tcp"');
    // Flows that ended up to 5 s before the alert or started up to 5 s after it still match.
    expect(tuple).toContain('"gte":"2026-11-21T22:05:37.500Z"');
    expect(tuple).toContain('"lte":"2026-11-21T22:05:47.500Z"');
  });

  it('matches a portless alert by the source→destination pair over the scan before it', () => {
    const sweep: AlertDoc = {
      '@timestamp': '2026-11-21T22:05:42.757Z',
      source: { ip: '203.0.113.66' },
      destination: { ip: '10.77.0.20' },
    };
    const plans = matchPlans(sweep, options);
    expect(plans.map((p) => p.strategy)).toEqual(['host_pair']);
    const query = JSON.stringify(plans[0].query);
    expect(query).toContain('"gte":"2026-11-21T22:00:42.757Z"');
    expect(query).not.toContain('network.transport');
    expect(query).toContain('{"term":{"source.ip":"203.0.113.66"}}');
  });

  it("matches a flowtrail scan detection to the probes it judged: its window, its source's own conversations", () => {
    const scan: AlertDoc = {
      '@timestamp': '2026-11-21T22:05:59.000Z',
      event: { module: 'flowtrail' },
      source: { ip: '10.77.0.9' },
      flowtrail: {
        detection: {
          type: 'address_scan',
          window_start: '2026-11-21T22:05:00.000Z',
          window_end: '2026-11-21T22:06:00.000Z',
          flows: 256,
        },
      },
    };
    const plans = matchPlans(scan, options);
    expect(plans.map((p) => p.strategy)).toEqual(['detection']);
    expect(plans[0].query).toEqual({
      bool: {
        filter: [
          { range: { '@timestamp': { gte: '2026-11-21T22:05:00.000Z', lt: '2026-11-21T22:06:00.000Z' } } },
          { term: { 'source.ip': '10.77.0.9' } },
          { bool: { must_not: { term: { 'flowtrail.initiator': 'destination' } } } },
        ],
      },
    });
  });

  it('has nothing to try without addresses or community id', () => {
    expect(matchPlans({ '@timestamp': '2026-11-21T22:05:42.757Z' }, options)).toEqual([]);
  });
});

function flow(
  src: string,
  dst: string,
  start: string,
  end: string,
  flags: string[],
  bytes: number,
  exporter = '127.0.0.1:1',
): FlowDoc {
  return {
    '@timestamp': end,
    event: { start, end, module: 'netflow' },
    source: { ip: src },
    destination: { ip: dst },
    network: { transport: 'tcp', bytes, packets: 1 },
    netflow: { exporter: { address: exporter } },
    flowtrail: { tcp_flags: flags },
  };
}

describe('summarizeSession', () => {
  const t = '2026-11-21T22:05:42.500Z';
  it('names the initiator first talker when both directions start in the same millisecond', () => {
    const summary = summarizeSession([
      flow('10.77.0.1', '198.51.100.30', t, t, ['RST', 'ACK'], 40),
      flow('198.51.100.30', '10.77.0.1', t, t, ['SYN'], 60),
    ]);
    expect(summary).toMatchObject({
      first_talker: '198.51.100.30',
      last_talker: '10.77.0.1',
      bytes: 100,
      flow_count: 2,
      modules: ['netflow'],
    });
  });

  it('counts the bytes of one exporter, not the sum of exporters that saw the same session', () => {
    const a = flow('10.77.0.5', '198.51.100.20', t, '2026-11-21T22:05:46Z', ['SYN', 'ACK'], 20_000_000, 'a');
    const b = flow('10.77.0.5', '198.51.100.20', t, '2026-11-21T22:05:46Z', ['SYN', 'ACK'], 19_999_000, 'b');
    const reset = { ...a, network: { transport: 'tcp', bytes: 40, packets: 1 } };
    const summary = summarizeSession([a, b, reset]);
    expect(summary.bytes).toBe(20_000_040);
    expect(summary.observers).toEqual(['a', 'b']);
    expect(summary).toMatchObject({ observer: 'a', observer_flow_count: 2, flow_count: 3 });
    expect(summary.end).toBe('2026-11-21T22:05:46.000Z');
  });

  it('names the client first talker where the records name one', () => {
    const reply = flow('10.77.0.1', '198.51.100.30', t, t, ['ACK'], 40);
    const request = flow('198.51.100.30', '10.77.0.1', '2026-11-21T22:05:42.600Z', t, ['ACK'], 60);
    const client = { ip: '198.51.100.30' };
    expect(
      summarizeSession([
        { ...reply, client },
        { ...request, client },
      ]).first_talker,
    ).toBe('198.51.100.30');
    expect(summarizeSession([reply, request]).first_talker).toBe('10.77.0.1');
  });

  it('is empty without flows', () => {
    expect(summarizeSession([])).toEqual({
      flow_count: 0,
      modules: [],
      observers: [],
      observer_flow_count: 0,
      bytes: 0,
      packets: 0,
    });
  });
});

describe('isFailedAttempt', () => {
  it('is a SYN without ACK or a reset, on TCP only', () => {
    expect(isFailedAttempt('tcp', ['SYN'])).toBe(true);
    expect(isFailedAttempt('tcp', ['ACK', 'RST'])).toBe(true);
    expect(isFailedAttempt('tcp', ['SYN', 'ACK', 'FIN'])).toBe(false);
    expect(isFailedAttempt('udp', undefined)).toBe(false);
  });
});

describe('historySpans', () => {
  const t = Date.parse('2026-11-21T22:05:42.500Z');
  const at = (spans: ReturnType<typeof historySpans>) =>
    spans.map((s) => [s.from - t, s.to - t, s.in.join('+')]);

  it('cuts the histories before each window into disjoint spans, each counted for the sides it lies in', () => {
    const spans = historySpans({ ips: [], time: t, windowMs: 10, historyMs: 100 });
    expect(at(spans)).toEqual([
      [-110, -100, 'before'],
      [-100, -10, 'before+after'],
      [-10, 0, 'after'],
    ]);
  });

  it('leaves out the span between the histories when the history is shorter than the window', () => {
    const spans = historySpans({ ips: [], time: t, windowMs: 100, historyMs: 10 });
    expect(at(spans)).toEqual([
      [-110, -100, 'before'],
      [-100, -10, ''],
      [-10, 0, 'after'],
    ]);
  });
});
