import { UsageError } from '../errors.js';
import { ALERT_DATASET } from '../schema/alert.js';
import { FLOW_DATASET } from '../schema/flow.js';
import type { StoreClient } from '../store/client.js';
import { searchPattern } from '../store/naming.js';

/** The index patterns of one namespace: daily indices and data streams alike. */
export interface Indices {
  flows: string;
  alerts: string;
  /** Where an alert's session members other than flows are: every Zeek log, every EVE event type, the alerts. */
  members: string;
}

export function indicesOf(namespace: string): Indices {
  const alerts = searchPattern(ALERT_DATASET, namespace);
  return {
    flows: searchPattern(FLOW_DATASET, namespace),
    alerts,
    members: [
      searchPattern('flowtrail.zeek_*', namespace),
      searchPattern('flowtrail.suricata_*', namespace),
      alerts,
    ].join(','),
  };
}

export interface Hit<T> {
  _id: string;
  _index: string;
  _source: T;
  sort?: unknown[];
}

export interface SearchResult<T, A> {
  took: number;
  hits: { total: { value: number; relation?: 'eq' | 'gte' }; hits: Hit<T>[] };
  aggregations: A;
}

export interface Bucket {
  key: string | number;
  key_as_string?: string;
  doc_count: number;
}
export interface Terms<B = Bucket> {
  buckets: B[];
}
export interface Metric {
  value: number | null;
}

/**
 * An aggregation over an index pattern that matches no index yet (a new namespace, no summaries rolled up):
 * Elasticsearch then answers without aggregations at all. Reports say so; callers for which "nothing yet" is
 * normal catch it.
 */
export class NoDataError extends UsageError {
  constructor(index: string) {
    super(`nothing is stored in ${index} yet`);
  }
}

export async function search<T, A = Record<string, never>>(
  client: StoreClient,
  index: string,
  body: Record<string, unknown>,
): Promise<SearchResult<T, A>> {
  const result = (await client.search(index, body)) as SearchResult<T, A>;
  if (body.aggs !== undefined && result.aggregations === undefined) throw new NoDataError(index);
  return result;
}

/** Several searches in one round trip; each element of the result is a search response or throws its error. */
export async function msearch<T, A>(
  client: StoreClient,
  requests: Array<{ index: string; body: Record<string, unknown> }>,
): Promise<Array<SearchResult<T, A>>> {
  if (requests.length === 0) return [];
  const responses = (await client.msearch(requests)) as Array<
    SearchResult<T, A> & {
      error?: { reason?: string; type?: string; root_cause?: Array<{ type?: string; reason?: string }> };
    }
  >;
  return responses.map((r, i) => {
    if (r.error) {
      // "all shards failed" says nothing; the first root cause says why.
      const cause = r.error.root_cause?.[0];
      const why = cause?.reason === undefined ? '' : ` (${cause.type}: ${cause.reason})`;
      throw new Error(`search failed: ${r.error.type}: ${r.error.reason}${why}`);
    }
    if (requests[i].body.aggs !== undefined && r.aggregations === undefined)
      throw new NoDataError(requests[i].index);
    return r;
  });
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Flows that were active at some moment in [from, to]: ended at or after `from`, started at or before `to`. */
export function activeBetween(from: number, to: number): Record<string, unknown> {
  return {
    bool: {
      filter: [{ range: { '@timestamp': { gte: iso(from) } } }],
      should: [
        { range: { 'event.start': { lte: iso(to) } } },
        {
          bool: {
            must_not: { exists: { field: 'event.start' } },
            filter: { range: { '@timestamp': { lte: iso(to) } } },
          },
        },
      ],
      minimum_should_match: 1,
    },
  };
}

/** Flows whose record time (@timestamp, the flow's end) is in [from, to). */
export function endedBetween(from: number, to: number): Record<string, unknown> {
  return { range: { '@timestamp': { gte: iso(from), lt: iso(to) } } };
}
