import { DATA_STREAMS, type RetentionKind } from '../../src/schema/fields.js';
import { dailyIndexDay } from '../../src/store/naming.js';
import type { ClusterCapabilities } from './capabilities.js';
import { type EsClient, EsError } from './client.js';
import { INDEX_PATTERN } from './privileges.js';

const DAY_MS = 86_400_000;
const LENIENT = { ignore_unavailable: true, allow_no_indices: true, expand_wildcards: 'open' } as const;

/** An index, and the moment after which nothing more is written to it as far as flowtrail can tell. */
export interface IndexAge {
  index: string;
  /** Data stream or daily index name without its `.ds-` or day part: says its retention kind. */
  stream: string;
  writtenUntilMs: number;
}

export function retentionKindOf(stream: string): RetentionKind {
  const spec = DATA_STREAMS.find((s) => stream.startsWith(`logs-${s.dataset}-`));
  return spec?.retention ?? 'events';
}

/**
 * Indices whose last write is older than the retention of their kind. Retention counts from when data was
 * written, not from the time of the events in it: logs of 2018 imported today are kept as long as today's.
 */
export function expiredIndices(
  indices: readonly IndexAge[],
  now: number,
  retentionMs: Record<RetentionKind, number>,
): string[] {
  return indices
    .filter((age) => age.writtenUntilMs + retentionMs[retentionKindOf(age.stream)] <= now)
    .map((age) => age.index);
}

/**
 * A daily index takes writes until its day is over, and an index made for an older day (an import) for the day
 * after it was created; the later of the two counts.
 */
export function dailyIndexAge(index: string, createdMs: number): IndexAge | undefined {
  const day = dailyIndexDay(index);
  if (day === undefined || index.startsWith('.')) return undefined;
  return { index, stream: index.slice(0, -11), writtenUntilMs: Math.max(day + DAY_MS, createdMs + DAY_MS) };
}

/** A backing index took its stream's writes until the next one was created by a rollover. */
export function backingIndexAges(
  stream: string,
  generations: ReadonlyArray<{ index: string; createdMs: number }>,
): IndexAge[] {
  return generations
    .slice(0, -1)
    .map((g, i) => ({ index: g.index, stream, writtenUntilMs: generations[i + 1].createdMs }));
}

type Settings = Record<string, { settings?: { index?: { creation_date?: string } } }>;

async function creationDates(client: EsClient, target: string): Promise<Map<string, number>> {
  const { body } = await client.request<Settings>({
    method: 'GET',
    path: `/${target}/_settings/index.creation_date`,
    query: LENIENT,
  });
  return new Map(Object.entries(body).map(([index, s]) => [index, Number(s.settings?.index?.creation_date)]));
}

async function dailyAges(client: EsClient): Promise<IndexAge[]> {
  const created = await creationDates(client, INDEX_PATTERN);
  return [...created].flatMap(([index, ms]) => dailyIndexAge(index, ms) ?? []);
}

interface DataStreams {
  data_streams?: Array<{ name: string; indices: Array<{ index_name: string }> }>;
}

/** Rolls over write indices older than a day, so that a stream's data can be deleted a day at a time. */
async function dataStreamAges(client: EsClient, rolledOver: string[]): Promise<IndexAge[]> {
  const { body } = await client.request<DataStreams>({
    method: 'GET',
    path: `/_data_stream/${INDEX_PATTERN}`,
    ignore: [404],
  });
  const ages: IndexAge[] = [];
  for (const stream of body.data_streams ?? []) {
    const rollover = await client.request<{ rolled_over?: boolean }>({
      method: 'POST',
      path: `/${encodeURIComponent(stream.name)}/_rollover`,
      body: { conditions: { max_age: '1d' } },
    });
    if (rollover.body.rolled_over) rolledOver.push(stream.name);
    const created = await creationDates(client, encodeURIComponent(stream.name));
    const generations = [...created]
      .map(([index, createdMs]) => ({ index, createdMs }))
      .sort((a, b) => a.createdMs - b.createdMs || a.index.localeCompare(b.index));
    ages.push(...backingIndexAges(stream.name, generations));
  }
  return ages;
}

export interface RetentionRun {
  deleted: string[];
  rolledOver: string[];
}

/**
 * For servers without data stream lifecycle or ILM (Elasticsearch OSS, OpenSearch): deletes flowtrail's daily
 * indices, or rolls its data streams over daily and deletes their backing indices, once their data has been
 * stored for longer than its retention.
 */
export async function enforceRetention(
  client: EsClient,
  cluster: Pick<ClusterCapabilities, 'indexMode'>,
  retentionMs: Record<RetentionKind, number>,
  now = Date.now(),
  /** Runs on the expired indices before any is deleted (the archive's rollups); when it throws, none is. */
  beforeDelete?: (expired: readonly IndexAge[]) => Promise<void>,
): Promise<RetentionRun> {
  const rolledOver: string[] = [];
  const ages =
    cluster.indexMode === 'daily' ? await dailyAges(client) : await dataStreamAges(client, rolledOver);
  const deleted = expiredIndices(ages, now, retentionMs);
  if (beforeDelete && deleted.length > 0) {
    const expired = new Set(deleted);
    await beforeDelete(ages.filter((age) => expired.has(age.index)));
  }
  for (let i = 0; i < deleted.length; i += 50) await deleteIndices(client, deleted.slice(i, i + 50));
  return { deleted, rolledOver };
}

/**
 * Every indexer runs the retention pass, so another may delete the same indices at the same moment: the server then
 * refuses the whole list for the one it no longer finds, and each is deleted alone, a missing one being done.
 */
async function deleteIndices(client: EsClient, names: string[]): Promise<void> {
  try {
    await client.request({ method: 'DELETE', path: `/${names.map(encodeURIComponent).join(',')}` });
  } catch (err) {
    if (!(err instanceof EsError) || err.status !== 404) throw err;
    for (const name of names)
      await client.request({ method: 'DELETE', path: `/${encodeURIComponent(name)}`, ignore: [404] });
  }
}
