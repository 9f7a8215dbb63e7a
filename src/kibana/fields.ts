import { allMappedFields, type FieldType } from '../schema/fields.js';

/** The mapped type of a field flowtrail writes; a name that is in no field table is an error. */
function fieldType(field: string): FieldType {
  const type = allMappedFields()[field]?.type;
  if (type === undefined) throw new Error(`${field}: not a field flowtrail maps (src/schema/fields.ts)`);
  return type;
}

export type LensDataType = 'string' | 'ip' | 'number' | 'date' | 'boolean';

const LENS_TYPES: Partial<Record<FieldType, LensDataType>> = {
  keyword: 'string',
  constant_keyword: 'string',
  ip: 'ip',
  long: 'number',
  double: 'number',
  float: 'number',
  date: 'date',
  boolean: 'boolean',
};

/** The Lens data type of a field's values; fields Lens cannot bucket or count (text, geo points) have none. */
export function lensDataType(field: string): LensDataType {
  const type = fieldType(field);
  if (allMappedFields()[field].stored_only)
    throw new Error(`${field}: kept in _source only (no doc values), it cannot be aggregated`);
  const lens = LENS_TYPES[type];
  if (lens === undefined) throw new Error(`${field}: a ${type} field cannot be aggregated`);
  return lens;
}

/** The field, once it is known to be one flowtrail maps. */
export function mapped(field: string): string {
  fieldType(field);
  return field;
}

/** The field, once it is known to be one that can be bucketed and counted. */
export function aggregatable(field: string): string {
  lensDataType(field);
  return field;
}
