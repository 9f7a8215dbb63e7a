import type { PipelineRecord } from '../pipeline/types.js';

/**
 * A record written straight to JSON, which is all the pipeline needs on its way to Elasticsearch. `doc` is parsed
 * from it only when something reads it (tests, a source adding fields); once handed out it may have been changed,
 * so from then on `json` is serialized from it.
 */
export class JsonRecord implements PipelineRecord {
  private parsed: Record<string, unknown> | undefined;

  constructor(
    readonly dataset: string,
    readonly id: string,
    private readonly serialized: string,
  ) {}

  get doc(): Record<string, unknown> {
    this.parsed ??= JSON.parse(this.serialized) as Record<string, unknown>;
    return this.parsed;
  }

  get json(): string {
    return this.parsed === undefined ? this.serialized : JSON.stringify(this.parsed);
  }

  /** Spool and dead-letter files keep the `{dataset, id, doc}` shape. */
  toJSON(): { dataset: string; id: string; doc: Record<string, unknown> } {
    return { dataset: this.dataset, id: this.id, doc: this.doc };
  }
}
