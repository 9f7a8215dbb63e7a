import type { Counter } from 'prom-client';
import type { Metrics } from './metrics.js';

type Totals = Map<string, number>;

async function byPlugin(counter: Counter<string>): Promise<Totals> {
  const totals: Totals = new Map();
  for (const { labels, value } of (await counter.get()).values) {
    const plugin = String(labels.plugin ?? '');
    totals.set(plugin, (totals.get(plugin) ?? 0) + value);
  }
  return totals;
}

function since(now: Totals, before: Totals): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [plugin, value] of now) {
    const delta = value - (before.get(plugin) ?? 0);
    if (delta > 0) out[plugin] = delta;
  }
  return out;
}

function sum(values: Record<string, number>): number {
  return Object.values(values).reduce((a, b) => a + b, 0);
}

function listed(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([plugin, n]) => `${n} ${plugin}`)
    .join(', ');
}

async function snapshot(metrics: Metrics, now: () => number): Promise<Snapshot> {
  const exporters: Totals = new Map();
  for (const [exporter, sample] of Object.entries(metrics.netflow?.().exporters ?? {}))
    exporters.set(exporter, sample.packets ?? 0);
  return {
    in: await byPlugin(metrics.recordsIn),
    out: await byPlugin(metrics.recordsOut),
    failed: await byPlugin(metrics.recordsFailed),
    dropped: await byPlugin(metrics.recordsDropped),
    exporters,
    at: now(),
  };
}

interface Snapshot {
  in: Totals;
  out: Totals;
  failed: Totals;
  dropped: Totals;
  exporters: Totals;
  at: number;
}

/** What the collector did since the last summary: a log line's message and its fields. */
export interface ActivityLine {
  msg: string;
  fields: {
    seconds: number;
    in: Record<string, number>;
    written: Record<string, number>;
    failed: Record<string, number>;
    dropped: Record<string, number>;
    exporters: number;
  };
}

/**
 * The collector's periodic summary, read off the metrics it keeps anyway: records in per input, written per
 * sink, failed and dropped, and NetFlow exporters heard from, each since the previous line.
 */
export class ActivitySummary {
  private constructor(
    private readonly metrics: Metrics,
    private readonly now: () => number,
    private last: Snapshot,
  ) {}

  /** A summary that counts from now. */
  static async start(metrics: Metrics, now: () => number = Date.now): Promise<ActivitySummary> {
    return new ActivitySummary(metrics, now, await snapshot(metrics, now));
  }

  /** The line for what happened since the summary started or since the previous line. */
  async next(): Promise<ActivityLine> {
    const now = await snapshot(this.metrics, this.now);
    const before = this.last;
    this.last = now;
    const fields = {
      seconds: Math.round((now.at - before.at) / 1000),
      in: since(now.in, before.in),
      written: since(now.out, before.out),
      failed: since(now.failed, before.failed),
      dropped: since(now.dropped, before.dropped),
      exporters: Object.keys(since(now.exporters, before.exporters)).length,
    };
    const received = sum(fields.in);
    const parts = [
      received === 0 ? 'received nothing' : `received ${received} (${listed(fields.in)})`,
      ...(fields.exporters > 0 ? [`from ${fields.exporters} NetFlow exporter(s)`] : []),
    ];
    const msg =
      `last ${fields.seconds}s: ${parts.join(' ')}, wrote ${sum(fields.written)}` +
      (sum(fields.failed) > 0 ? `, ${sum(fields.failed)} failed (${listed(fields.failed)})` : '') +
      (sum(fields.dropped) > 0 ? `, ${sum(fields.dropped)} dropped (${listed(fields.dropped)})` : '');
    return { msg, fields };
  }
}
