import { search } from '../correlate/es.js';
import type { StoreClient } from '../store/client.js';

export interface CompositeBucket<K> {
  key: K;
  doc_count: number;
}

const PAGE = 1000;

/**
 * Every bucket of a composite aggregation, page after page (`after_key`), so that a report over millions of
 * flows sees all pairs/hosts/periods rather than the top of one shard's guess.
 */
export async function allBuckets<K, B extends CompositeBucket<K>>(
  client: StoreClient,
  index: string,
  query: Record<string, unknown>,
  sources: Array<Record<string, unknown>>,
  aggs: Record<string, unknown>,
): Promise<B[]> {
  const out: B[] = [];
  let after: K | undefined;
  for (;;) {
    const result = await search<unknown, { all: { buckets: B[]; after_key?: K } }>(client, index, {
      size: 0,
      query,
      aggs: {
        all: { composite: { size: PAGE, sources, ...(after ? { after } : {}) }, aggs },
      },
    });
    const { buckets, after_key } = result.aggregations.all;
    out.push(...buckets);
    if (buckets.length < PAGE || after_key === undefined) return out;
    after = after_key;
  }
}
