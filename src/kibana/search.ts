/** Saved searches (Discover): a data view's documents, newest first, with the columns worth reading. */
import type { DataViewSpec } from './data-views.js';
import { mapped } from './fields.js';
import { kql, type SavedObject, savedObject } from './saved-object.js';

const INDEX_REFERENCE = 'kibanaSavedObjectMeta.searchSourceJSON.index';

export interface SearchSpec {
  id: string;
  title: string;
  description: string;
  view: DataViewSpec;
  columns: string[];
  query?: string;
}

export function savedSearch(spec: SearchSpec): SavedObject {
  const source = { query: kql(spec.query), filter: [], indexRefName: INDEX_REFERENCE };
  return savedObject(
    'search',
    spec.id,
    {
      title: spec.title,
      description: spec.description,
      columns: spec.columns.map(mapped),
      sort: [['@timestamp', 'desc']],
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify(source) },
    },
    [{ name: INDEX_REFERENCE, type: 'index-pattern', id: spec.view.id }],
  );
}
