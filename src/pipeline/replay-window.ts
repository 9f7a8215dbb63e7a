import type { PipelineRecord } from './types.js';

/**
 * Marks the first `size` records of each source after a start as `replayed`: a source resumes from its last saved
 * position, so what it emits first may have been stored by the process before this one.
 */
export class ReplayWindow {
  private readonly emitted = new Map<string, number>();

  constructor(private readonly size: number) {}

  mark(plugin: string, records: readonly PipelineRecord[]): void {
    const before = this.emitted.get(plugin) ?? 0;
    if (before >= this.size) return;
    for (let i = 0; i < records.length && before + i < this.size; i++) records[i].replayed = true;
    this.emitted.set(plugin, before + records.length);
  }
}
