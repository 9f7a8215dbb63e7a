import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { LogThrottle } from '../observability/throttle.js';
import type { DeadLetterWriter } from './dead-letter.js';
import type { DeadLetterEntry } from './types.js';

/**
 * Writes dead letters and says so: the first entry of each plugin and reason is logged, the rest counted; entries
 * the writer could not keep (directory full, disk low) are counted as dropped and logged once a minute.
 */
export class DeadLetterLog {
  private readonly loggedReasons = new Set<string>();
  private readonly throttle = new LogThrottle();

  constructor(
    private readonly writer: DeadLetterWriter,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  write(entries: DeadLetterEntry[]): void {
    if (entries.length === 0) return;
    const dropped = this.writer.write(entries);
    const kept = dropped.length === 0 ? entries : this.countUnkept(entries, dropped);
    for (const entry of kept) {
      this.metrics.recordsDeadLettered.inc({ plugin: entry.plugin });
      const key = `${entry.plugin}\u0000${entry.reason.slice(0, 80)}`;
      if (!this.loggedReasons.has(key)) {
        this.loggedReasons.add(key);
        this.logger.warn(
          {
            plugin: entry.plugin,
            origin: entry.origin,
            reason: entry.reason,
            file: this.writer.fileFor(entry.plugin),
          },
          'dead-lettered (further entries like this are counted, not logged)',
        );
      }
    }
  }

  private countUnkept(
    entries: DeadLetterEntry[],
    dropped: ReturnType<DeadLetterWriter['write']>,
  ): DeadLetterEntry[] {
    for (const { plugin, count, why } of dropped) {
      this.metrics.recordsDropped.inc({ plugin, reason: why }, count);
      const suppressed = this.throttle.admit(`dead-letter ${why}`);
      if (suppressed !== undefined)
        this.logger.warn(
          { plugin, dropped: count, reason: why, since_last_line: suppressed, dir: this.writer.directory },
          'dead letters dropped: the dead-letter directory is full or the disk is low',
        );
    }
    const unkept = new Set(dropped.map((d) => d.plugin));
    return entries.filter((entry) => !unkept.has(entry.plugin));
  }
}
