import type { Logger } from 'pino';
import { LogThrottle } from '../../src/observability/throttle.js';
import { Spool } from '../../src/pipeline/spool.js';
import type { PipelineRecord, SourceContext } from '../../src/pipeline/types.js';

/**
 * Flows the meters wrote out, kept on disk from the moment they leave a meter until the outputs wrote them (or
 * dead-lettered them): a collector that is killed loses only the flows still in its meters, and writes the kept ones
 * at its next start, under the same document ids. One file per batch (written whole or not at all), deleted once the
 * batch is written; a full or failing disk costs this guarantee, not the flows, and is counted and logged.
 */
export class FlowJournal {
  private readonly spool: Spool;
  private readonly warnings = new LogThrottle();
  /** Batches that could not be kept on disk (they were still handed to the pipeline). */
  failures = 0;
  /** Flows a previous run left and this one handed to the pipeline again. */
  replayed = 0;

  constructor(directory: string) {
    this.spool = new Spool(directory);
  }

  /** Keeps `records` on disk; what releases them once written, or undefined when they could not be kept. */
  hold(records: readonly PipelineRecord[], logger: Logger): (() => void) | undefined {
    try {
      const file = this.spool.save(records);
      return file === undefined ? undefined : () => this.spool.remove(file);
    } catch (err) {
      this.failures++;
      const suppressed = this.warnings.admit('save');
      if (suppressed !== undefined) {
        logger.warn(
          { directory: this.spool.directory, err: (err as Error).message, since_last: suppressed },
          'cannot keep flows in the journal: a crash before they are written would lose them',
        );
      }
      return undefined;
    }
  }

  /** Hands the flows a previous run left to the pipeline again. */
  async replay(ctx: SourceContext): Promise<void> {
    for (const { file, records, unreadable } of this.spool.load()) {
      for (const line of unreadable) {
        ctx.deadLetter({
          plugin: 'pcap',
          reason: 'unreadable flow in the tap journal',
          origin: file,
          raw: line,
        });
      }
      if (records.length === 0) {
        this.spool.remove(file);
        continue;
      }
      this.replayed += records.length;
      await ctx.emit(
        records.map((record) => ({ ...record, replayed: true })),
        () => this.spool.remove(file),
      );
    }
    if (this.replayed > 0)
      ctx.logger.info(
        { flows: this.replayed },
        'tap: flows a previous run left in the journal are written now',
      );
  }
}
