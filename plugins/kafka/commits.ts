import type { Consumer } from 'kafkajs';
import type { Logger } from 'pino';

export interface Committed {
  topic: string;
  partition: number;
  /** The next offset to read: everything before it is written. */
  offset: string;
}

/**
 * Offsets committed by hand, each only once the pipeline has written (or dead-lettered) every record before it;
 * a stopping consumer waits a while for what it handed over, so that it can still commit it.
 */
export class OffsetCommits {
  private unwritten = 0;
  private allWritten: (() => void) | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly logger: Logger,
    private readonly observer?: { committed(c: Committed): void; failed(c: Committed): void },
  ) {}

  /** A batch was handed to the pipeline; `commit` is called for it once it is written. */
  handedOver(): void {
    this.unwritten++;
  }

  commit(committed: Committed): void {
    this.consumer.commitOffsets([committed]).then(
      () => {
        this.observer?.committed(committed);
        this.written();
      },
      (err: Error) => {
        // The next commit covers this one; if none comes (the partition moved to another consumer, or this one
        // stops), the messages are consumed again and their documents get the same ids.
        this.logger.warn({ ...committed, err: err.message }, 'kafka offset commit failed');
        this.observer?.failed(committed);
        this.written();
      },
    );
  }

  private written(): void {
    this.unwritten--;
    if (this.unwritten === 0) this.allWritten?.();
  }

  async waitForWrites(graceMs: number): Promise<void> {
    if (this.unwritten === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.allWritten = resolve;
      timer = setTimeout(resolve, graceMs);
    });
    clearTimeout(timer);
  }
}
