/** Distinct exporters named in problem counts; a flood from random sources adds to `OTHER_EXPORTERS` instead. */
const MAX_EXPORTER_KEYS = 1000;
const OTHER_EXPORTERS = 'other';

/** Counts by exporter (ip:port) and reason, JSON-serialisable as `{ exporter: { reason: n } }`. */
export type CountsByReason = Record<string, Record<string, number>>;

/** Counts of datagrams or records left out, by exporter and reason, with a bounded number of exporter names. */
export class ProblemCounts {
  private readonly byExporter = new Map<string, Map<string, number>>();

  add(exporter: string, reason: string, n = 1): void {
    if (n === 0) return;
    let reasons = this.byExporter.get(exporter);
    if (!reasons) {
      const key = this.byExporter.size < MAX_EXPORTER_KEYS ? exporter : OTHER_EXPORTERS;
      reasons = this.byExporter.get(key) ?? new Map<string, number>();
      this.byExporter.set(key, reasons);
    }
    reasons.set(reason, (reasons.get(reason) ?? 0) + n);
  }

  toObject(): CountsByReason {
    const result: CountsByReason = {};
    for (const [exporter, reasons] of this.byExporter) result[exporter] = Object.fromEntries(reasons);
    return result;
  }
}

/** Adds two sets of counts. */
export function addCountsByReason(a: CountsByReason, b: CountsByReason): CountsByReason {
  const sum: CountsByReason = {};
  for (const counts of [a, b]) {
    for (const [exporter, reasons] of Object.entries(counts)) {
      const into = sum[exporter] ?? {};
      sum[exporter] = into;
      for (const [reason, n] of Object.entries(reasons)) into[reason] = (into[reason] ?? 0) + n;
    }
  }
  return sum;
}

/**
 * Dead letters allowed per minute. One broken exporter can send thousands of bad datagrams a second: the counters
 * count every one, and the dead letters keep examples without flooding the dead-letter file.
 */
export const DEAD_LETTERS_PER_MINUTE = 100;
const MINUTE_MS = 60_000;

/** Says whether another dead letter fits in this minute's budget, and counts those that did not. */
export class DeadLetterBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;
  /** Dead letters left out because the budget was spent. */
  overBudget = 0;

  constructor(private readonly perMinute = DEAD_LETTERS_PER_MINUTE) {}

  take(now: number): boolean {
    if (now - this.windowStart >= MINUTE_MS) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used < this.perMinute) {
      this.used++;
      return true;
    }
    this.overBudget++;
    return false;
  }
}
