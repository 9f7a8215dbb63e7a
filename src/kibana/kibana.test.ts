import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../util/package.js';
import { DATA_VIEWS } from './data-views.js';
import { KIBANA_FILE, kibanaNdjson, kibanaObjects, type SavedObject } from './index.js';

/**
 * The saved objects are checked against what Kibana and Elasticsearch would hold them to, without either: the
 * templates under `mappings/` (the mappings test keeps them equal to the field table) stand in for the indices,
 * and the shapes below are those `_import` accepts.
 */

type Mapping = { type?: string; properties?: Record<string, Mapping> };

function flatten(properties: Record<string, Mapping>, prefix = '', into: Record<string, string> = {}) {
  for (const [name, mapping] of Object.entries(properties)) {
    const path = `${prefix}${name}`;
    if (mapping.properties) flatten(mapping.properties, `${path}.`, into);
    if (mapping.type) into[path] = mapping.type;
  }
  return into;
}

const MAPPINGS = join(packageRoot(), 'mappings');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

/** Index template name → every field its composed templates map, with its type. */
const TEMPLATE_FIELDS: Record<string, Record<string, string>> = Object.fromEntries(
  readdirSync(join(MAPPINGS, 'index_templates')).map((file) => {
    const template = readJson(join(MAPPINGS, 'index_templates', file));
    const fields: Record<string, string> = {};
    for (const component of template.composed_of as string[]) {
      const body = readJson(join(MAPPINGS, 'component_templates', `${component}.json`));
      flatten(body.template.mappings?.properties ?? {}, '', fields);
    }
    return [file.replace(/\.json$/, ''), fields];
  }),
);

/** The templates whose indices a data view's pattern covers. */
function templatesOf(viewId: string): Array<Record<string, string>> {
  const view = DATA_VIEWS.find((v) => v.id === viewId);
  if (!view) throw new Error(`no data view ${viewId}`);
  const pattern = new RegExp(`^logs-${view.datasets.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
  const names = Object.keys(TEMPLATE_FIELDS).filter((name) => pattern.test(name));
  if (names.length === 0) throw new Error(`${viewId}: no template matches`);
  return names.map((name) => TEMPLATE_FIELDS[name]);
}

/** Types Elasticsearch can bucket and count with doc values; text and geo points it cannot (as terms). */
const AGGREGATABLE = new Set([
  'keyword',
  'constant_keyword',
  'ip',
  'long',
  'integer',
  'double',
  'float',
  'date',
  'boolean',
]);
const NUMERIC = new Set(['long', 'integer', 'double', 'float']);
/** The Lens data type each mapped type is shown as. */
const LENS_TYPE: Record<string, string> = {
  keyword: 'string',
  constant_keyword: 'string',
  ip: 'ip',
  long: 'number',
  integer: 'number',
  double: 'number',
  float: 'number',
  date: 'date',
  boolean: 'boolean',
};

/**
 * The types a field has across the templates a data view covers. A view over several datasets (all of Zeek's logs)
 * finds a field in those that have it; Kibana merges their mappings, so each of them must fit.
 */
function typesIn(viewId: string, field: string): string[] {
  return templatesOf(viewId).flatMap((fields) => (fields[field] ? [fields[field]] : []));
}

/** Problems with one field use: an empty list when the view's templates map it as needed. */
function checkField(viewId: string, field: string, need: 'mapped' | 'aggregatable' | 'numeric'): string[] {
  const types = typesIn(viewId, field);
  if (types.length === 0) return [`${field} is not mapped for data view ${viewId}`];
  return types.flatMap((type) => {
    if (need === 'aggregatable' && !AGGREGATABLE.has(type))
      return [`${field} (${type}) cannot be aggregated`];
    if (need === 'numeric' && !NUMERIC.has(type)) return [`${field} (${type}) is not a number`];
    return [];
  });
}

const COUNT_FIELD = '___records___';
const BUCKETS = new Set(['terms', 'date_histogram']);
const NUMBER_METRICS = new Set(['sum', 'max', 'min', 'average', 'median']);

type Column = {
  operationType: string;
  sourceField: string;
  dataType: string;
  params?: Record<string, unknown>;
};
type Layer = { columns: Record<string, Column>; columnOrder: string[] };

function lensLayers(object: SavedObject): Record<string, Layer> {
  const state = object.attributes.state as {
    datasourceStates: { formBased: { layers: Record<string, Layer> } };
  };
  return state.datasourceStates.formBased.layers;
}

function viewOfLayer(object: SavedObject, layerId: string): string {
  const reference = object.references.find((r) => r.name === `indexpattern-datasource-layer-${layerId}`);
  if (!reference) throw new Error(`${object.id}: layer ${layerId} names no data view`);
  return reference.id;
}

/** Fields a KQL query names (`field : value`, `not field : value`). */
function kqlFields(query: string): string[] {
  return [...query.matchAll(/([\w.@]+)\s*:/g)].map((m) => m[1]);
}

/** Every problem with the fields of one object. */
function fieldProblems(object: SavedObject): string[] {
  const problems: string[] = [];
  const where = (list: string[]) => list.map((p) => `${object.type} ${object.id}: ${p}`);
  if (object.type === 'lens') {
    const state = object.attributes.state as { query: { query: string } };
    for (const [layerId, layer] of Object.entries(lensLayers(object))) {
      const view = viewOfLayer(object, layerId);
      for (const field of kqlFields(state.query.query))
        problems.push(...where(checkField(view, field, 'mapped')));
      for (const column of Object.values(layer.columns)) {
        if (column.sourceField === COUNT_FIELD) continue;
        const need = NUMBER_METRICS.has(column.operationType) ? 'numeric' : 'aggregatable';
        problems.push(...where(checkField(view, column.sourceField, need)));
        for (const type of typesIn(view, column.sourceField)) {
          if (BUCKETS.has(column.operationType) && LENS_TYPE[type] !== column.dataType)
            problems.push(...where([`${column.sourceField} is ${type}, the column says ${column.dataType}`]));
        }
        for (const field of (column.params?.secondaryFields as string[] | undefined) ?? [])
          problems.push(...where(checkField(view, field, 'aggregatable')));
      }
    }
  }
  if (object.type === 'search') {
    const view = object.references[0].id;
    for (const field of object.attributes.columns as string[])
      problems.push(...where(checkField(view, field, 'mapped')));
    for (const [field] of object.attributes.sort as Array<[string, string]>)
      problems.push(...where(checkField(view, field, 'aggregatable')));
  }
  if (object.type === 'dashboard') {
    const controls = JSON.parse((object.attributes.controlGroupInput as { panelsJSON: string }).panelsJSON);
    for (const [id, control] of Object.entries<{ explicitInput: { fieldName: string } }>(controls)) {
      const reference = object.references.find((r) => r.name === `controlGroup_${id}:optionsListDataView`);
      if (!reference) problems.push(...where([`control ${id} names no data view`]));
      else problems.push(...where(checkField(reference.id, control.explicitInput.fieldName, 'aggregatable')));
    }
  }
  if (object.type === 'index-pattern') {
    const formats = JSON.parse(object.attributes.fieldFormatMap as string) as Record<string, unknown>;
    for (const field of Object.keys(formats)) problems.push(...where(checkField(object.id, field, 'mapped')));
  }
  return problems;
}

/** References to objects the list does not hold: what `_import` answers with `missing_references`. */
function unresolved(list: SavedObject[]): string[] {
  const present = new Set(list.map((o) => `${o.type}:${o.id}`));
  return list.flatMap((o) =>
    o.references.filter((r) => !present.has(`${r.type}:${r.id}`)).map((r) => `${o.id} → ${r.type}:${r.id}`),
  );
}

const committed = readFileSync(join(packageRoot(), 'kibana', KIBANA_FILE), 'utf8');
const lines = committed.split('\n').filter((line) => line !== '');
const objects = kibanaObjects();

describe('Kibana saved objects', () => {
  it('kibana/ holds what src/kibana generates (run `npm run gen:kibana`)', () => {
    const files = readdirSync(join(packageRoot(), 'kibana')).filter((name) => name.endsWith('.ndjson'));
    expect(files).toEqual([KIBANA_FILE]);
    expect(committed).toBe(kibanaNdjson());
  });

  it('writes each line as an object `_import` reads: type, id, attributes, references and migration versions', () => {
    const semver = /^\d+\.\d+\.\d+$/;
    expect(committed.endsWith('\n')).toBe(true);
    for (const line of lines) {
      const object = JSON.parse(line);
      expect(Object.keys(object).sort()).toEqual(
        ['attributes', 'coreMigrationVersion', 'id', 'references', 'type', 'typeMigrationVersion'].sort(),
      );
      expect(['index-pattern', 'search', 'lens', 'dashboard']).toContain(object.type);
      expect(object.id).toMatch(/^flowtrail-[a-z0-9-]+$/);
      expect(object.coreMigrationVersion).toMatch(semver);
      expect(object.typeMigrationVersion).toMatch(semver);
      expect(typeof object.attributes.title).toBe('string');
      for (const reference of object.references) {
        expect(Object.keys(reference).sort()).toEqual(['id', 'name', 'type']);
      }
      // Kibana keeps these attributes as JSON inside strings; a string that does not parse breaks the object.
      for (const key of ['panelsJSON', 'optionsJSON', 'fieldFormatMap']) {
        if (key in object.attributes) expect(() => JSON.parse(object.attributes[key]), key).not.toThrow();
      }
    }
    const keys = objects.map((o) => `${o.type}:${o.id}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('resolves every reference to an object in the file, under the name Kibana looks it up by', () => {
    expect(unresolved(objects)).toEqual([]);
    const withoutFlows = objects.filter((o) => o.id !== 'flowtrail-flows');
    expect(unresolved(withoutFlows)).toContain('flowtrail-dashboard-host → index-pattern:flowtrail-flows');

    for (const object of objects) {
      const names = object.references.map((r) => r.name);
      expect(new Set(names).size, object.id).toBe(names.length);
      if (object.type === 'dashboard') {
        const panels = JSON.parse(object.attributes.panelsJSON as string) as Array<Record<string, string>>;
        for (const panel of panels) {
          const reference = object.references.find(
            (r) => r.name === `${panel.panelIndex}:${panel.panelRefName}`,
          );
          expect(reference?.type, `${object.id} panel ${panel.panelIndex}`).toBe(panel.type);
        }
        expect(new Set(panels.map((p) => p.panelIndex)).size).toBe(panels.length);
      }
      if (object.type === 'lens') {
        for (const layerId of Object.keys(lensLayers(object)))
          expect(viewOfLayer(object, layerId)).toBeTruthy();
      }
      if (object.type === 'search') {
        const source = JSON.parse(
          (object.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON,
        );
        expect(names).toContain(source.indexRefName);
      }
    }
  });

  it('keeps every Lens column and accessor consistent within its layer', () => {
    for (const object of objects.filter((o) => o.type === 'lens')) {
      for (const layer of Object.values(lensLayers(object))) {
        expect(Object.keys(layer.columns).sort(), object.id).toEqual([...layer.columnOrder].sort());
        for (const column of Object.values(layer.columns)) {
          const orderBy = column.params?.orderBy as { type: string; columnId?: string } | undefined;
          if (orderBy?.type === 'column')
            expect(layer.columns, object.id).toHaveProperty([orderBy.columnId ?? '']);
        }
      }
      const visualization = (object.attributes.state as { visualization: Record<string, unknown> })
        .visualization;
      const layers = (visualization.layers as Array<Record<string, unknown>> | undefined) ?? [visualization];
      const columnIds = new Set(Object.values(lensLayers(object)).flatMap((l) => l.columnOrder));
      for (const layer of layers) {
        const accessors = [
          layer.xAccessor,
          layer.splitAccessor,
          layer.metricAccessor,
          ...((layer.accessors as string[] | undefined) ?? []),
          ...((layer.columns as Array<{ columnId: string }> | undefined) ?? []).map((c) => c.columnId),
        ].filter((a): a is string => typeof a === 'string');
        expect(accessors.length, object.id).toBeGreaterThan(0);
        for (const accessor of accessors)
          expect(columnIds.has(accessor), `${object.id}: ${accessor}`).toBe(true);
      }
    }
  });

  it('uses only fields the templates map, aggregatable where aggregated and numeric where summed', () => {
    expect(objects.flatMap(fieldProblems)).toEqual([]);
  });

  it('would catch a field that drifted from the templates', () => {
    const lens = objects.find((o) => o.id === 'flowtrail-lens-talkers-senders') as SavedObject;
    const drifted = structuredClone(lens);
    const layer = Object.values(lensLayers(drifted))[0];
    const bucket = Object.values(layer.columns).find((c) => c.operationType === 'terms') as Column;
    bucket.sourceField = 'source.address_renamed';
    expect(fieldProblems(drifted)).toEqual([
      'lens flowtrail-lens-talkers-senders: source.address_renamed is not mapped for data view flowtrail-flows',
    ]);
    bucket.sourceField = 'message';
    expect(fieldProblems(drifted).join('\n')).toMatch(/message \(text\) cannot be aggregated/);
  });

  it('keeps ids stable: the same objects on every run, and the ids people bookmark unchanged', () => {
    expect(kibanaNdjson()).toBe(kibanaNdjson());
    const ids = (type: string) => objects.filter((o) => o.type === type).map((o) => o.id);
    expect(ids('dashboard')).toEqual([
      'flowtrail-dashboard-overview',
      'flowtrail-dashboard-talkers',
      'flowtrail-dashboard-security',
      'flowtrail-dashboard-host',
      'flowtrail-dashboard-billing',
    ]);
    expect(ids('index-pattern')).toEqual([
      'flowtrail-flows',
      'flowtrail-alerts',
      'flowtrail-host-summary',
      'flowtrail-archive',
      'flowtrail-zeek',
      'flowtrail-suricata',
      'flowtrail-all',
    ]);
    expect(ids('search')).toEqual(['flowtrail-search-flows', 'flowtrail-search-alerts']);
  });
});
