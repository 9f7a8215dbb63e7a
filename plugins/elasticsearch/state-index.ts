import type { EsClient } from './client.js';

/** One file of the collector's own state (template cache, read positions), by its path below the data dir. */
export interface StateFile {
  path: string;
  content: Buffer;
  modifiedMs: number;
}

interface StateDocument {
  path: string;
  content: string;
  modified: string;
}

/** Holds the collector's state files in the cluster, so that a snapshot carries them beside the data. */
export function stateIndexName(namespace: string): string {
  return `flowtrail-state-${namespace}`;
}

/** Makes `index` hold exactly `files`: those saved before and gone since are removed. */
export async function saveStateFiles(
  client: EsClient,
  index: string,
  files: readonly StateFile[],
): Promise<void> {
  const created = await client.request<{ error?: { type?: string } }>({
    method: 'PUT',
    path: `/${encodeURIComponent(index)}`,
    body: {
      settings: { number_of_shards: 1, 'index.auto_expand_replicas': '0-1' },
      // The content is kept, not searched.
      mappings: { dynamic: false, properties: { path: { type: 'keyword' }, modified: { type: 'date' } } },
    },
    ignore: [400],
  });
  if (created.status === 400 && created.body.error?.type !== 'resource_already_exists_exception')
    throw new Error(`cannot create ${index}: ${JSON.stringify(created.body.error)}`);
  const ndjson = files.flatMap((file) => [
    { index: { _index: index, _id: file.path } },
    {
      path: file.path,
      content: file.content.toString('base64'),
      modified: new Date(file.modifiedMs).toISOString(),
    } satisfies StateDocument,
  ]);
  if (ndjson.length > 0) {
    const { body } = await client.request<{ errors: boolean; items: unknown[] }>({
      method: 'POST',
      path: '/_bulk',
      ndjson,
    });
    if (body.errors)
      throw new Error(`cannot save the collector's state in ${index}: ${JSON.stringify(body.items)}`);
  }
  await client.request({
    method: 'POST',
    path: `/${encodeURIComponent(index)}/_delete_by_query`,
    query: { refresh: true },
    body: { query: { bool: { must_not: { ids: { values: files.map((f) => f.path) } } } } },
  });
}

export async function readStateFiles(client: EsClient, index: string): Promise<StateFile[]> {
  const { body } = await client.request<{ hits: { hits: Array<{ _source: StateDocument }> } }>({
    method: 'POST',
    path: `/${encodeURIComponent(index)}/_search`,
    body: { size: 10_000, query: { match_all: {} } },
  });
  return body.hits.hits.map(({ _source: doc }) => ({
    path: doc.path,
    content: Buffer.from(doc.content, 'base64'),
    modifiedMs: Date.parse(doc.modified),
  }));
}
