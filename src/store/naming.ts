/**
 * Where documents go. Clusters with data streams get Elastic's `logs-<dataset>-<namespace>` streams; clusters
 * without them (the OSS node flowtrail provisions, old versions) get one index per UTC day,
 * `logs-<dataset>-<namespace>-YYYY.MM.DD`, chosen from the document's own @timestamp so that a re-sent document
 * always meets its earlier copy, and retention is deleting whole days.
 */
export type IndexMode = 'data_stream' | 'daily';

export function dataStreamName(dataset: string, namespace: string): string {
  return `logs-${dataset}-${namespace}`;
}

export function dailyIndexName(dataset: string, namespace: string, timestamp: string): string {
  return `${dataStreamName(dataset, namespace)}-${timestamp.slice(0, 4)}.${timestamp.slice(5, 7)}.${timestamp.slice(8, 10)}`;
}

/** What to query to find a dataset's documents in either mode. */
export function searchPattern(dataset: string, namespace: string): string {
  return `${dataStreamName(dataset, namespace)}*`;
}

/** The day of a daily index name, as epoch ms at 00:00 UTC, or undefined for other names. */
export function dailyIndexDay(index: string): number | undefined {
  const match = index.match(/-(\d{4})\.(\d{2})\.(\d{2})$/);
  if (!match) return undefined;
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}
