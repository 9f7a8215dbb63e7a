import type { Logger } from 'pino';
import type { OutgoingRecord, RecordTap } from '../pipeline/types.js';
import { FLOW_DATASET } from '../schema/flow.js';
import type { DetectionEngine } from './engine.js';
import type { Finding } from './finding.js';
import type { FindingPublisher } from './publish.js';
import { sampleOfJson } from './sample.js';

/** What records re-emitted from the spool at start come from: their flows were seen when first emitted. */
const SPOOL = 'spool';

/**
 * The detections fed from the pipeline itself: every flow record any input emits goes into the engine as it is
 * queued, read off its JSON (only the fields detection needs), and findings are published as their windows
 * close. Windows close on flow time; when no flow has come for `idleMs` (a quiet network, the end of a replay),
 * the open ones are judged as they are, since what could still arrive for them would be later than allowed.
 */
export class StreamingDetections implements RecordTap {
  private lastFlow = 0;
  private open = false;
  private readonly timer: NodeJS.Timeout;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly engine: DetectionEngine,
    private readonly publisher: FindingPublisher,
    private readonly logger: Logger,
    private readonly idleMs: number,
  ) {
    this.timer = setInterval(() => this.closeIfIdle(), Math.max(100, Math.min(idleMs, 1000)));
    this.timer.unref();
  }

  observe(plugin: string, records: readonly OutgoingRecord[]): void {
    if (plugin === SPOOL) return;
    const findings: Finding[] = [];
    let flows = 0;
    for (const { record, json } of records) {
      if (record.dataset !== FLOW_DATASET) continue;
      const sample = sampleOfJson(json);
      if (sample === undefined) continue;
      flows++;
      const closed = this.engine.push(sample);
      if (closed.length > 0) findings.push(...closed);
    }
    if (flows > 0) {
      this.open = true;
      this.lastFlow = Date.now();
    }
    this.hand(findings);
  }

  async finish(): Promise<void> {
    clearInterval(this.timer);
    this.hand(this.engine.flush());
    await Promise.all(this.pending);
    await this.publisher.close();
  }

  private closeIfIdle(): void {
    if (!this.open || Date.now() - this.lastFlow < this.idleMs) return;
    this.open = false;
    this.hand(this.engine.flush());
  }

  /** Published outside `emit`, which called `observe`: publishing emits the findings' alerts in turn. */
  private hand(findings: Finding[]): void {
    if (findings.length === 0) return;
    const done = Promise.resolve()
      .then(() => this.publisher.publish(findings))
      .catch((err: Error) => this.logger.error({ err: err.message }, 'publishing detections failed'))
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }
}
