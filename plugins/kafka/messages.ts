import type { IHeaders, Message } from 'kafkajs';
import { ParseError } from '../../src/errors.js';
import type { OutgoingRecord, PipelineRecord } from '../../src/pipeline/types.js';
import { JsonRecord } from '../../src/schema/json-record.js';

/** What a topic of the Kafka output carries: each kind of document goes to a topic of its own. */
export type RecordKind = 'flows' | 'alerts' | 'events';

export type KindTopics = Record<RecordKind, string>;

/** Headers that carry what the indexer needs besides the document: where it goes and under which `_id`. */
export const ID_HEADER = 'flowtrail.id';
export const DATASET_HEADER = 'flowtrail.dataset';
/** Present when the collector may have sent the record before (a retry, a journal replay). */
export const REPLAYED_HEADER = 'flowtrail.replayed';

export function kindOf(dataset: string): RecordKind {
  if (dataset === 'flowtrail.flows') return 'flows';
  if (dataset === 'flowtrail.alerts') return 'alerts';
  return 'events';
}

const OBSERVER = '"flowtrail":{"observer":"';
const COMMUNITY_ID = '"community_id":"';

/** The JSON string value right after `marker` (escapes left as they are: it only needs to be stable), if any. */
function stringAfter(json: string, marker: string): string | undefined {
  const at = json.indexOf(marker);
  if (at < 0) return undefined;
  const start = at + marker.length;
  let end = json.indexOf('"', start);
  while (end > 0 && json.charCodeAt(end - 1) === 92) end = json.indexOf('"', end + 1);
  return end < 0 ? undefined : json.slice(start, end);
}

/**
 * The message key, which picks the partition: a partition keeps its order, so everything with one key arrives in
 * the order it was sent. Flows are keyed by their exporter (`flowtrail.observer`, the exporter's ip:port), alerts
 * and events by their session (`network.community_id`), falling back to their observer; a record with neither
 * has no order to keep and is keyed by its id, which spreads such records evenly.
 */
export function messageKey(kind: RecordKind, record: OutgoingRecord['record'], json: string): string {
  if (kind === 'flows') return stringAfter(json, OBSERVER) ?? record.id;
  return stringAfter(json, COMMUNITY_ID) ?? stringAfter(json, OBSERVER) ?? record.id;
}

export function messageOf(kind: RecordKind, { record, json }: OutgoingRecord): Message {
  const headers: IHeaders = { [ID_HEADER]: record.id, [DATASET_HEADER]: record.dataset };
  if (record.replayed) headers[REPLAYED_HEADER] = '1';
  return { key: messageKey(kind, record, json), value: json, headers };
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** The record a message of the Kafka output carries; throws a ParseError for anything else on the topic. */
export function recordOf(headers: IHeaders | undefined, value: Buffer | null): PipelineRecord {
  const id = header(headers, ID_HEADER);
  const dataset = header(headers, DATASET_HEADER);
  if (id === undefined || id === '' || dataset === undefined || dataset === '')
    throw new ParseError(`not a flowtrail record: no ${ID_HEADER} and ${DATASET_HEADER} headers`);
  const json = value?.toString('utf8') ?? '';
  if (!json.startsWith('{') || !json.endsWith('}'))
    throw new ParseError('not a flowtrail record: no JSON object');
  const record: PipelineRecord = new JsonRecord(dataset, id, json);
  if (header(headers, REPLAYED_HEADER) === '1') record.replayed = true;
  return record;
}
