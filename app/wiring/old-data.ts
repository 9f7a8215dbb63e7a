import type { OutgoingRecord, RecordTap } from '../../src/pipeline/types.js';
import { DATA_STREAMS, type RetentionKind } from '../../src/schema/fields.js';

const DAY_MS = 86_400_000;

function kindOf(dataset: string): RetentionKind {
  return DATA_STREAMS.find((s) => s.dataset === dataset)?.retention ?? 'events';
}

/**
 * Counts the records of an import whose events are older than the retention of their kind. Retention counts from
 * when data is stored, so they are kept as long as anything written today; an import says so rather than leaving
 * the user to guess whether the next retention pass deletes them.
 */
export class OldDataCounter implements RecordTap {
  private readonly old: Record<RetentionKind, number> = { flows: 0, alerts: 0, events: 0 };

  constructor(
    private readonly retentionMs: Record<RetentionKind, number>,
    private readonly now = Date.now(),
  ) {}

  observe(_plugin: string, records: readonly OutgoingRecord[]): void {
    for (const { record } of records) {
      const kind = kindOf(record.dataset);
      const time = Date.parse(String(record.doc['@timestamp']));
      if (time + this.retentionMs[kind] < this.now) this.old[kind]++;
    }
  }

  /** Per kind with old records: how many, the retention, and the day before which they are not removed. */
  summary(): Array<{ kind: RetentionKind; documents: number; retention_days: number; kept_until: string }> {
    return (Object.keys(this.old) as RetentionKind[])
      .filter((kind) => this.old[kind] > 0)
      .map((kind) => ({
        kind,
        documents: this.old[kind],
        retention_days: Math.round(this.retentionMs[kind] / DAY_MS),
        kept_until: new Date(this.now + this.retentionMs[kind]).toISOString().slice(0, 10),
      }));
  }
}
