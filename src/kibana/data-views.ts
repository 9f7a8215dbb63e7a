/**
 * The data views: one per kind of document flowtrail writes. A view's pattern is a data stream name
 * (src/store/naming.ts) with any namespace, so it finds every namespace's data streams and daily indices alike and
 * the one file fits every installation.
 */

import { HOST_SUMMARY_DATASET } from '../reports/host-summary.js';
import { ALERT_DATASET } from '../schema/alert.js';
import { DATA_STREAMS } from '../schema/fields.js';
import { FLOW_DATASET } from '../schema/flow.js';
import { dataStreamName } from '../store/naming.js';
import { type SavedObject, savedObject } from './saved-object.js';

export interface DataViewSpec {
  id: string;
  name: string;
  /** A dataset, or datasets as a pattern (`flowtrail.zeek_*`). */
  datasets: string;
  /** Kibana field formats by field: bytes as bytes, ports as the plain numbers they are. */
  formats: Record<string, 'bytes' | 'string'>;
}

function endpointFormats(sides: string[]): DataViewSpec['formats'] {
  return Object.fromEntries(
    sides.flatMap((side) => [
      [`${side}.port`, 'string'],
      [`${side}.bytes`, 'bytes'],
    ]),
  );
}

/** Every document with two ends names them source and destination; only flows also name client and server. */
const ENDPOINT_FORMATS = endpointFormats(['source', 'destination']);

const TRAFFIC_FORMATS: DataViewSpec['formats'] = { ...ENDPOINT_FORMATS, 'network.bytes': 'bytes' };

const FLOW_FORMATS: DataViewSpec['formats'] = {
  ...TRAFFIC_FORMATS,
  ...endpointFormats(['client', 'server']),
};

function familyPattern(prefix: string): string {
  const family = DATA_STREAMS.find((s) => s.family && s.dataset === prefix);
  if (!family) throw new Error(`no dataset family ${prefix} in src/schema/fields.ts`);
  return `${family.dataset}*`;
}

export const FLOWS: DataViewSpec = {
  id: 'flowtrail-flows',
  name: 'flowtrail flows',
  datasets: FLOW_DATASET,
  formats: FLOW_FORMATS,
};

export const ALERTS: DataViewSpec = {
  id: 'flowtrail-alerts',
  name: 'flowtrail alerts and detections',
  datasets: ALERT_DATASET,
  formats: {
    ...TRAFFIC_FORMATS,
    'flowtrail.context.bytes': 'bytes',
    'flowtrail.context.source.before.bytes': 'bytes',
    'flowtrail.context.source.after.bytes': 'bytes',
    'flowtrail.context.destination.before.bytes': 'bytes',
    'flowtrail.context.destination.after.bytes': 'bytes',
    'flowtrail.detection.bytes': 'bytes',
  },
};

export const HOST_SUMMARIES: DataViewSpec = {
  id: 'flowtrail-host-summary',
  name: 'flowtrail host summaries',
  datasets: HOST_SUMMARY_DATASET,
  formats: Object.fromEntries(
    ['out_internal', 'out_external', 'in_internal', 'in_external'].map((part) => [
      `flowtrail.summary.bytes_${part}`,
      'bytes',
    ]),
  ),
};

/** Both archive streams (per address and hour, per pair and day): flows rolled up before retention deleted them. */
const ARCHIVE: DataViewSpec = {
  id: 'flowtrail-archive',
  name: 'flowtrail archive (rollups of deleted flows)',
  datasets: 'flowtrail.archive_*',
  formats: TRAFFIC_FORMATS,
};

const ZEEK: DataViewSpec = {
  id: 'flowtrail-zeek',
  name: 'flowtrail Zeek logs',
  datasets: familyPattern('flowtrail.zeek_'),
  formats: ENDPOINT_FORMATS,
};

const SURICATA: DataViewSpec = {
  id: 'flowtrail-suricata',
  name: 'flowtrail Suricata events',
  datasets: familyPattern('flowtrail.suricata_'),
  formats: ENDPOINT_FORMATS,
};

const EVERYTHING: DataViewSpec = {
  id: 'flowtrail-all',
  name: 'flowtrail: everything',
  datasets: 'flowtrail.*',
  formats: FLOW_FORMATS,
};

export const DATA_VIEWS: readonly DataViewSpec[] = [
  FLOWS,
  ALERTS,
  HOST_SUMMARIES,
  ARCHIVE,
  ZEEK,
  SURICATA,
  EVERYTHING,
];

export function dataViewObject(view: DataViewSpec): SavedObject {
  const formats = Object.fromEntries(Object.entries(view.formats).map(([field, id]) => [field, { id }]));
  return savedObject('index-pattern', view.id, {
    title: dataStreamName(view.datasets, '*'),
    name: view.name,
    timeFieldName: '@timestamp',
    fieldFormatMap: JSON.stringify(formats),
  });
}
