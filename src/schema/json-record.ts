import type { PipelineRecord } from '../pipeline/types.js';

/**
 * A record written straight to JSON, which is all the pipeline needs on its way to Elasticsearch. `doc` is parsed
 * from it only when something reads it (tests, a source adding fields); once handed out it may have been changed,
 * so from then on `json` is serialized from it.
 */
export class JsonRecord implements PipelineRecord {
  private parsed: Record<string, unknown> | undefined;
  /** Parsed for reading only (`view`): `json` stays the text it was given. */
  private viewed: Record<string, unknown> | undefined;

  constructor(
    readonly dataset: string,
    readonly id: string,
    private readonly serialized: string,
  ) {}

  get doc(): Record<string, unknown> {
    this.parsed ??= this.viewed ?? (JSON.parse(this.serialized) as Record<string, unknown>);
    return this.parsed;
  }

  /**
   * The document to read and not change: reading it costs a parse but, unlike `doc`, no serializing again
   * afterwards (enrichment reads every document and changes only those it finds something for).
   */
  view(): Readonly<Record<string, unknown>> {
    if (this.parsed !== undefined) return this.parsed;
    this.viewed ??= JSON.parse(this.serialized) as Record<string, unknown>;
    return this.viewed;
  }

  get json(): string {
    return this.parsed === undefined ? this.serialized : JSON.stringify(this.parsed);
  }

  /** Spool and dead-letter files keep the `{dataset, id, doc}` shape. */
  toJSON(): { dataset: string; id: string; doc: Record<string, unknown> } {
    return { dataset: this.dataset, id: this.id, doc: this.doc };
  }
}
