/**
 * Kibana saved objects as the saved objects API's `_import` reads them: one JSON object a line. Each object says
 * which migrations its shape already has (`typeMigrationVersion`), so Kibana migrates it from there to its own
 * version; the versions below are those of the shapes src/kibana writes, which Kibana 8.9 and later know.
 */

export type SavedObjectType = 'index-pattern' | 'lens' | 'search' | 'dashboard';

export interface Reference {
  name: string;
  type: SavedObjectType;
  id: string;
}

export interface SavedObject {
  type: SavedObjectType;
  id: string;
  attributes: Record<string, unknown>;
  references: Reference[];
  coreMigrationVersion: string;
  typeMigrationVersion: string;
}

/** The core migrations every object has had: 8.8 is when exports began to name type and core versions apart. */
const CORE_MIGRATION_VERSION = '8.8.0';

/**
 * The migration of each type whose shape the objects written here already have: Kibana runs every later one on
 * import, and refuses an object that claims a version newer than it knows. Lens state with the `formBased`
 * datasource as Kibana 8.9 exports it; dashboards with `panelRefName` panels and a control group, stamped before
 * the 8.9 migrations so that Kibana brings them up to date itself; data views and saved searches as 8.0 made them
 * shareable between spaces.
 */
const TYPE_MIGRATION_VERSION: Record<SavedObjectType, string> = {
  'index-pattern': '8.0.0',
  search: '8.0.0',
  lens: '8.9.0',
  dashboard: '8.7.0',
};

export function savedObject(
  type: SavedObjectType,
  id: string,
  attributes: Record<string, unknown>,
  references: Reference[] = [],
): SavedObject {
  return {
    type,
    id,
    attributes,
    references,
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    typeMigrationVersion: TYPE_MIGRATION_VERSION[type],
  };
}

/** The `_import` file: one object a line, ending in a newline. */
export function toNdjson(objects: SavedObject[]): string {
  return objects.map((o) => `${JSON.stringify(o)}\n`).join('');
}

/** A KQL query as Kibana stores one; the empty one matches everything. */
export function kql(query = ''): { query: string; language: 'kuery' } {
  return { query, language: 'kuery' };
}
