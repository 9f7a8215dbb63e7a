/**
 * Elasticsearch types the field table (fields.ts) gives. ECS fields have the type ECS gives them (ecs-types.json,
 * checked by a test), with `text` for ECS's `match_only_text` and `keyword` for `wildcard`, which the clusters
 * flowtrail supports do not all have.
 */
export type FieldType =
  | 'ip'
  | 'keyword'
  | 'long'
  | 'double'
  | 'date'
  | 'boolean'
  | 'text'
  | 'float'
  | 'geo_point'
  | 'constant_keyword';

export interface FieldSpec {
  type: FieldType;
  /** Kept in _source only (e.g. event.original): not searchable, no doc values. */
  stored_only?: boolean;
}
