import { StoreError } from '../../src/errors.js';
import type { StoreClient } from '../../src/store/client.js';
import type { EsClient, EsRequest } from './client.js';

/** Searches read nothing the caller did not ask for: an index pattern that matches no index yet is empty. */
const LENIENT = { ignore_unavailable: true, allow_no_indices: true } as const;

async function storeCall(client: EsClient, request: EsRequest): Promise<unknown> {
  try {
    return (await client.request(request)).body;
  } catch (err) {
    throw new StoreError((err as Error).message, { cause: err });
  }
}

function indexPath(index: string): string {
  return index.split(',').map(encodeURIComponent).join(',');
}

/** The core's `StoreClient` over flowtrail's HTTP client, for Elasticsearch and OpenSearch alike. */
export function elasticsearchStore(client: EsClient): StoreClient {
  return {
    search: (index, body, options = {}) =>
      storeCall(client, {
        method: 'POST',
        path: `/${indexPath(index)}/_search`,
        query: { ...LENIENT, ...(options.scroll ? { scroll: options.scroll } : {}) },
        body,
      }),
    scroll: (scrollId, keepAlive) =>
      storeCall(client, {
        method: 'POST',
        path: '/_search/scroll',
        body: { scroll_id: scrollId, scroll: keepAlive },
      }),
    clearScroll: async (scrollId) => {
      await storeCall(client, { method: 'DELETE', path: '/_search/scroll', body: { scroll_id: scrollId } });
    },
    msearch: async (requests) => {
      const ndjson = requests.flatMap((r) => [{ index: r.index, ...LENIENT }, r.body]);
      const body = await storeCall(client, { method: 'POST', path: '/_msearch', ndjson });
      return (body as { responses: unknown[] }).responses;
    },
    update: async (index, id, doc) => {
      await storeCall(client, {
        method: 'POST',
        path: `/${encodeURIComponent(index)}/_update/${encodeURIComponent(id)}`,
        query: { retry_on_conflict: 3 },
        body: { doc },
      });
    },
    refresh: async (index) => {
      await storeCall(client, {
        method: 'POST',
        path: `/${indexPath(index)}/_refresh`,
        query: { ignore_unavailable: true },
      });
    },
    close: () => client.close(),
  };
}
