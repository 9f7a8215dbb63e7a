/**
 * What the core asks of the document store (Elasticsearch, OpenSearch): searches, an update, a refresh. The
 * elasticsearch plugin implements it over whichever client the cluster needs; the core knows no client library.
 * Searches are lenient: an index pattern that matches nothing yet is an empty result, not an error. Any failure
 * of the store (unreachable, refused, timed out) is thrown as a `StoreError`.
 */
export interface StoreClient {
  /** A search's response body; with `scroll`, the first page of a scroll kept alive that long (e.g. `1m`). */
  search(index: string, body: Record<string, unknown>, options?: { scroll?: string }): Promise<unknown>;
  /** The next page of a scroll. */
  scroll(scrollId: string, keepAlive: string): Promise<unknown>;
  clearScroll(scrollId: string): Promise<void>;
  /** Several searches in one round trip: each element a search response body, or `{ error }`. */
  msearch(requests: ReadonlyArray<{ index: string; body: Record<string, unknown> }>): Promise<unknown[]>;
  /** Merges `doc` into a document where it is; a concurrent update is retried over rather than lost. */
  update(index: string, id: string, doc: Record<string, unknown>): Promise<void>;
  /** Makes what was written to `index` searchable now. */
  refresh(index: string): Promise<void>;
  close(): Promise<void>;
}
