import type { Logger } from 'pino';

/** `42s`, `3m 5s`, `1h 2m`: a duration as people say it. */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m}m` : `${m}m ${s % 60}s`;
  return m % 60 === 0 ? `${Math.floor(m / 60)}h` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

interface Outage {
  since: number;
  lastError: string;
  failedAttempts: number;
  /** Records taken in from the inputs when the outage began. */
  acceptedBefore: number;
}

/**
 * Each sink's outages, said twice: when its first write fails ("unavailable, retrying") and when a write
 * succeeds again ("recovered after …"), with how long it lasted and how many records the inputs handed over
 * meanwhile, which waited (queue, journal, spool) instead of being lost. Batches that fail at the same time are
 * one outage, not one line each.
 */
export class SinkOutages {
  private readonly open = new Map<string, Outage>();

  constructor(
    private readonly logger: Logger,
    /** Records the pipeline has taken in from its inputs so far. */
    private readonly accepted: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The sinks out now, with their latest error (`/healthz`). */
  failing(): Record<string, string> {
    return Object.fromEntries([...this.open].map(([sink, o]) => [sink, o.lastError]));
  }

  failed(sink: string, err: Error): void {
    const outage = this.open.get(sink);
    if (outage !== undefined) {
      outage.failedAttempts++;
      outage.lastError = err.message;
      return;
    }
    this.open.set(sink, {
      since: this.now(),
      lastError: err.message,
      failedAttempts: 1,
      acceptedBefore: this.accepted(),
    });
    this.logger.warn({ plugin: sink, err: err.message }, `${sink} unavailable, retrying`);
  }

  succeeded(sink: string): void {
    const outage = this.open.get(sink);
    if (outage === undefined) return;
    this.open.delete(sink);
    const downMs = this.now() - outage.since;
    const meanwhile = this.accepted() - outage.acceptedBefore;
    this.logger.info(
      { plugin: sink, down_ms: downMs, failed_attempts: outage.failedAttempts, records_meanwhile: meanwhile },
      `${sink} recovered after ${humanDuration(downMs)}, ${meanwhile} records taken in meanwhile`,
    );
  }
}
