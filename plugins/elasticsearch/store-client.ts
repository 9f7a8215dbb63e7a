import type { Client } from '@elastic/elasticsearch';
import { StoreError } from '../../src/errors.js';
import type { StoreClient } from '../../src/store/client.js';

/** Searches read nothing the caller did not ask for: an index pattern that matches no index yet is empty. */
const LENIENT = { ignore_unavailable: true, allow_no_indices: true } as const;

async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new StoreError((err as Error).message, { cause: err });
  }
}

/** The core's `StoreClient` over an Elasticsearch client. */
export function elasticsearchStore(client: Client): StoreClient {
  return {
    search: (index, body, options = {}) =>
      storeCall(async () => (await client.search({ index, body, ...LENIENT, ...options })).body),
    scroll: (scrollId, keepAlive) =>
      storeCall(async () => (await client.scroll({ body: { scroll_id: scrollId, scroll: keepAlive } })).body),
    clearScroll: (scrollId) =>
      storeCall(async () => {
        await client.clearScroll({ body: { scroll_id: scrollId } });
      }),
    msearch: (requests) =>
      storeCall(async () => {
        const body = requests.flatMap((r) => [{ index: r.index, ...LENIENT }, r.body]);
        return ((await client.msearch({ body })).body as { responses: unknown[] }).responses;
      }),
    update: (index, id, doc) =>
      storeCall(async () => {
        await client.update({ index, id, retry_on_conflict: 3, body: { doc } });
      }),
    refresh: (index) =>
      storeCall(async () => {
        await client.indices.refresh({ index, ignore_unavailable: true });
      }),
    close: () => client.close(),
  };
}
