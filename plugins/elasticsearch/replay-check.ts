import type { OutgoingRecord } from '../../src/pipeline/types.js';
import type { EsClient } from './client.js';

/** Ids per search: well below the 10,000 hits a search may return by default. */
const IDS_PER_SEARCH = 5_000;

interface IdHits {
  hits?: { hits?: Array<{ _id: string }> };
}

/**
 * Of `items` bound for data streams, those whose id is already stored in any backing index of their stream.
 *
 * A data stream's `create` meets an earlier copy only in its current write index: once the stream has rolled
 * over, a record sent again would be stored twice. Records that may have been stored before (`replayed`) are
 * therefore looked up in the whole stream first. The streams are refreshed before (a copy written a moment ago
 * is visible to searches only after a refresh); a user without the privilege to refresh is searched without, which
 * misses copies written less than a refresh interval (1 s) before.
 */
export async function storedReplays(
  client: EsClient,
  items: readonly OutgoingRecord[],
  streamOf: (item: OutgoingRecord) => string,
): Promise<Set<OutgoingRecord>> {
  const byStream = new Map<string, OutgoingRecord[]>();
  for (const item of items) {
    const stream = streamOf(item);
    const group = byStream.get(stream);
    if (group) group.push(item);
    else byStream.set(stream, [item]);
  }
  const lenient = { ignore_unavailable: true, allow_no_indices: true };
  await client.request({
    method: 'POST',
    path: `/${[...byStream.keys()].map(encodeURIComponent).join(',')}/_refresh`,
    query: lenient,
    ignore: [403, 404],
  });
  const stored = new Set<OutgoingRecord>();
  for (const [stream, group] of byStream) {
    for (let i = 0; i < group.length; i += IDS_PER_SEARCH) {
      const chunk = group.slice(i, i + IDS_PER_SEARCH);
      const byId = new Map(chunk.map((item) => [item.record.id, item]));
      const { body } = await client.request<IdHits>({
        method: 'POST',
        path: `/${encodeURIComponent(stream)}/_search`,
        query: lenient,
        body: { size: chunk.length, _source: false, query: { ids: { values: [...byId.keys()] } } },
      });
      for (const hit of body.hits?.hits ?? []) {
        const item = byId.get(hit._id);
        if (item) stored.add(item);
      }
    }
  }
  return stored;
}
