/**
 * Lens visualizations (saved objects of type `lens`) in the shape Kibana 8.9+ stores: one layer of the
 * form-based datasource over one data view, and an XY chart, a table or a metric over that layer's columns.
 */
import type { DataViewSpec } from './data-views.js';
import { lensDataType } from './fields.js';
import { kql, type SavedObject, savedObject } from './saved-object.js';

/** A Lens column as the form-based datasource stores it. */
export type Column = Record<string, unknown> & {
  label: string;
  operationType: string;
  isBucketed: boolean;
  sourceField: string;
};

/** The only layer of every visualization written here. */
const LAYER = 'layer1';

/** Lens's name for "documents" as the field of a count. */
const RECORDS = '___records___';

/** Buckets of time over the dashboard's range: Kibana picks the interval unless one is given (`1d`). */
export function overTime(interval = 'auto'): Column {
  return {
    label: '@timestamp',
    dataType: 'date',
    operationType: 'date_histogram',
    sourceField: '@timestamp',
    isBucketed: true,
    scale: 'interval',
    params: { interval, includeEmptyRows: true, dropPartials: false },
  };
}

export interface TopValuesOptions {
  /** Further fields whose values, with the first's, make a bucket (a host pair, an address and port). */
  and?: string[];
  /** Gather the values beyond `size` into one "Other" bucket (for charts: their totals stay right). */
  other?: boolean;
}

/** The `size` values of `field` (with `and`'s) that rank first by the layer's first metric. */
export function topValues(
  field: string,
  size: number,
  label: string,
  options: TopValuesOptions = {},
): Column {
  const secondary = options.and ?? [];
  return {
    label,
    customLabel: true,
    dataType: lensDataType(field),
    operationType: 'terms',
    sourceField: field,
    isBucketed: true,
    scale: 'ordinal',
    params: {
      size,
      orderDirection: 'desc',
      otherBucket: options.other ?? false,
      missingBucket: false,
      parentFormat: { id: secondary.length > 0 ? 'multi_terms' : 'terms' },
      ...(secondary.length > 0 ? { secondaryFields: secondary } : {}),
    },
  };
}

export interface MetricOptions {
  /**
   * Per second of the time bucket: a rate. Lens scales by the interval of the layer's date histogram, so only a
   * layer bucketed by time takes one.
   */
  perSecond?: boolean;
}

/** A field a metric can be computed over; `numbers` for sums and maxima. */
function measured(field: string, numbers: boolean): string {
  const type = lensDataType(field);
  if (numbers && type !== 'number') throw new Error(`${field}: a ${type} field has no sum or maximum`);
  return field;
}

function measure(operationType: string, sourceField: string, label: string, options: MetricOptions): Column {
  return {
    label,
    customLabel: true,
    dataType: 'number',
    operationType,
    sourceField,
    isBucketed: false,
    scale: 'ratio',
    params: { emptyAsNull: true },
    ...(options.perSecond ? { timeScale: 's' } : {}),
  };
}

export function count(label: string, options: MetricOptions = {}): Column {
  return measure('count', RECORDS, label, options);
}

export function sum(field: string, label: string, options: MetricOptions = {}): Column {
  return measure('sum', measured(field, true), label, options);
}

export function distinct(field: string, label: string): Column {
  return measure('unique_count', measured(field, false), label, {});
}

export function maximum(field: string, label: string): Column {
  return measure('max', measured(field, true), label, {});
}

export interface LensSpec {
  id: string;
  title: string;
  description: string;
  view: DataViewSpec;
  /** KQL every row of the layer must match, on top of the dashboard's filters. */
  query?: string;
}

/**
 * Columns named in order (buckets, then metrics); a terms column ranks by the first metric, as Lens does when
 * one builds it by hand.
 */
function named(buckets: Column[], metrics: Column[]): Array<[string, Column]> {
  const metricIds = metrics.map((_, i) => `metric${i}`);
  const bucketColumns = buckets.map((column, i): [string, Column] => {
    if (column.operationType !== 'terms') return [`bucket${i}`, column];
    const params = { ...(column.params as object), orderBy: { type: 'column', columnId: metricIds[0] } };
    return [`bucket${i}`, { ...column, params }];
  });
  return [...bucketColumns, ...metrics.map((column, i): [string, Column] => [metricIds[i], column])];
}

function ratesOverTime(id: string, buckets: Column[], metrics: Column[]): void {
  const timed = buckets.some((column) => column.operationType === 'date_histogram');
  if (!timed && metrics.some((column) => column.timeScale !== undefined))
    throw new Error(`${id}: a rate needs a date histogram to divide by`);
}

function lensObject(
  spec: LensSpec,
  visualizationType: string,
  columns: Array<[string, Column]>,
  visualization: Record<string, unknown>,
): SavedObject {
  const layer = {
    columnOrder: columns.map(([id]) => id),
    columns: Object.fromEntries(columns),
    incompleteColumns: {},
  };
  return savedObject(
    'lens',
    spec.id,
    {
      title: spec.title,
      description: spec.description,
      visualizationType,
      state: {
        datasourceStates: { formBased: { layers: { [LAYER]: layer } } },
        visualization,
        query: kql(spec.query),
        filters: [],
        internalReferences: [],
        adHocDataViews: {},
      },
    },
    [{ type: 'index-pattern', id: spec.view.id, name: `indexpattern-datasource-layer-${LAYER}` }],
  );
}

export type SeriesType = 'bar_stacked' | 'area_stacked' | 'line' | 'bar_horizontal';

export interface ChartSpec extends LensSpec {
  series: SeriesType;
  x: Column;
  y: Column[];
  /** Splits each x bucket into series, one per value; its top values are those of the whole range. */
  split?: Column;
}

export function chart(spec: ChartSpec): SavedObject {
  ratesOverTime(spec.id, [spec.x], spec.y);
  // The split comes first so that its top values are taken over the whole range, not per x bucket.
  const buckets = spec.split ? [spec.split, spec.x] : [spec.x];
  const columns = named(buckets, spec.y);
  const ids = columns.map(([id]) => id);
  const layer = {
    layerId: LAYER,
    layerType: 'data',
    seriesType: spec.series,
    xAccessor: spec.split ? ids[1] : ids[0],
    accessors: ids.slice(buckets.length),
    ...(spec.split ? { splitAccessor: ids[0] } : {}),
  };
  return lensObject(spec, 'lnsXY', columns, {
    legend: { isVisible: true, position: 'right' },
    valueLabels: 'hide',
    fittingFunction: 'None',
    axisTitlesVisibilitySettings: { x: false, yLeft: true, yRight: true },
    preferredSeriesType: spec.series,
    layers: [layer],
  });
}

export interface TableSpec extends LensSpec {
  rows: Column[];
  metrics: Column[];
}

export function table(spec: TableSpec): SavedObject {
  ratesOverTime(spec.id, spec.rows, spec.metrics);
  const columns = named(spec.rows, spec.metrics);
  return lensObject(spec, 'lnsDatatable', columns, {
    layerId: LAYER,
    layerType: 'data',
    columns: columns.map(([columnId]) => ({ columnId })),
  });
}

export interface MetricSpec extends LensSpec {
  value: Column;
}

export function metric(spec: MetricSpec): SavedObject {
  ratesOverTime(spec.id, [], [spec.value]);
  const columns = named([], [spec.value]);
  return lensObject(spec, 'lnsMetric', columns, {
    layerId: LAYER,
    layerType: 'data',
    metricAccessor: columns[0][0],
  });
}
