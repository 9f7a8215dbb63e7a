/**
 * Says whether something worth a log line may be logged now: once per key per interval, so that a condition
 * that repeats thousands of times a second (a full disk, a flood of bad input) is logged once a minute, with the
 * count since, rather than once per occurrence.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly intervalMs = 60_000) {}

  /** The number of occurrences not logged since the last line when this one may be logged, else undefined. */
  admit(key: string, now = Date.now()): number | undefined {
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen.at < this.intervalMs) {
      seen.suppressed++;
      return undefined;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    return seen?.suppressed ?? 0;
  }
}
