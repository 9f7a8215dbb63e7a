import { endedBetween, NoDataError, search } from '../correlate/es.js';
import type { StoreClient } from '../store/client.js';
import { FLAG_NAMES, type Naming } from './params.js';
import type { TimeRange } from './time.js';

/** How many flows are stored and how many end in a range, and the ends (`@timestamp`) of the first and last. */
export interface FlowExtent {
  flows: number;
  in_range: number;
  first?: string;
  last?: string;
}

type ExtentAggs = {
  first: { value_as_string?: string };
  last: { value_as_string?: string };
  in_range: { doc_count: number };
};

/** One search over every stored flow: counts are cheap, and min/max of the time field read no document. */
export async function flowExtent(client: StoreClient, flows: string, range: TimeRange): Promise<FlowExtent> {
  try {
    const result = await search<unknown, ExtentAggs>(client, flows, {
      size: 0,
      track_total_hits: true,
      aggs: {
        first: { min: { field: '@timestamp' } },
        last: { max: { field: '@timestamp' } },
        in_range: { filter: endedBetween(range.from, range.to) },
      },
    });
    const a = result.aggregations;
    const count = result.hits.total.value;
    if (count === 0) return { flows: 0, in_range: 0 };
    return {
      flows: count,
      in_range: a.in_range.doc_count,
      first: a.first.value_as_string,
      last: a.last.value_as_string,
    };
  } catch (err) {
    if (err instanceof NoDataError) return { flows: 0, in_range: 0 };
    throw err;
  }
}

/** `2026-11-21T22:05Z`: a minute, as the time options read it. */
function minute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/**
 * What to say when a range holds no flows: that none are stored at all, or where the stored ones are, with a
 * range to try (the hour up to the newest flow) in the caller's names for the options.
 */
export function emptyRangeNote(
  extent: FlowExtent,
  range: TimeRange,
  index: string,
  naming: Naming = FLAG_NAMES,
): string {
  const asked = `${new Date(range.from).toISOString()} .. ${new Date(range.to).toISOString()}`;
  if (extent.in_range > 0) return `none of the ${extent.in_range} flow(s) in ${asked} matches the filters`;
  if (extent.flows === 0 || extent.last === undefined)
    return `no flows in ${asked}: nothing is stored in ${index} yet`;
  const last = Date.parse(extent.last);
  return (
    `no flows in ${asked}; the ${extent.flows} stored flow(s) end from ${extent.first} to ${extent.last}: ` +
    `try ${naming('from')} ${minute(last - 3_600_000)} ${naming('to')} ${minute(last + 60_000)}`
  );
}

/** The note for an empty result that came through filters: no flows in the range, or none the filters let through. */
export async function emptyResultNote(
  client: StoreClient,
  flows: string,
  range: TimeRange,
  naming: Naming = FLAG_NAMES,
): Promise<string> {
  return emptyRangeNote(await flowExtent(client, flows, range), range, flows, naming);
}

/** The note for a result over the whole range (a report, detections): undefined when the range holds flows. */
export async function emptyRangeHint(
  client: StoreClient,
  flows: string,
  range: TimeRange,
  naming: Naming = FLAG_NAMES,
): Promise<string | undefined> {
  const extent = await flowExtent(client, flows, range);
  return extent.in_range > 0 ? undefined : emptyRangeNote(extent, range, flows, naming);
}
