/**
 * What the store received lately: flows and alerts by `event.ingested` (the time the store's pipeline stamps on
 * every document), for views that follow the collector as it writes.
 */
import type { FlowDoc } from '../correlate/documents.js';
import { FLOW_SOURCE_FIELDS } from '../correlate/documents.js';
import {
  type Bucket,
  type Hit,
  type Indices,
  iso,
  type Metric,
  msearch,
  NoDataError,
  type SearchResult,
  type Terms,
} from '../correlate/es.js';
import type { StoreClient } from '../store/client.js';
import { ALERT_FIELDS, type AlertRow, alertRow, type ListedAlert } from './alerts.js';
import { byObserver, chosen, observerName } from './observers.js';
import { type FlowRow, flowRow } from './search.js';

/**
 * A document becomes searchable a while after the store stamped it (batching, refresh): each poll looks back this
 * far before the newest stamp seen and leaves out the ids it already handed over.
 */
export const SETTLE_MS = 5000;

type Ingested = { event?: { ingested?: string } };

function ingestedAt(hit: Hit<Ingested>): number {
  return Date.parse(hit._source.event?.ingested ?? '') || 0;
}

/** Where one follower is: the newest stamp it has seen, and the ids it was handed within the settle time. */
export class ArrivalCursor {
  private newest: number;
  private readonly seen = new Map<string, number>();

  constructor(start: number) {
    this.newest = start;
  }

  /** The earliest stamp the next poll asks for. */
  since(): number {
    return this.newest - SETTLE_MS;
  }

  /** The newest stamp seen; a follower that reconnects resumes from it. */
  position(): number {
    return this.newest;
  }

  /** Ids already handed over among those at or after `since()`. */
  seenCount(): number {
    return this.seen.size;
  }

  /** The hits not handed over before, in the order given; remembers them and forgets those settled long ago. */
  admit<T extends Ingested>(hits: ReadonlyArray<Hit<T>>): Array<Hit<T>> {
    const fresh = hits.filter((h) => !this.seen.has(h._id));
    for (const hit of fresh) {
      const at = ingestedAt(hit);
      this.seen.set(hit._id, at);
      this.newest = Math.max(this.newest, at);
    }
    for (const [id, at] of this.seen) if (at < this.since()) this.seen.delete(id);
    return fresh;
  }
}

/** Bytes, packets and flows per second of one transport, as the observer that saw the most of it counted them. */
export interface TransportRate {
  transport: string;
  bytes_per_s: number;
  packets_per_s: number;
  flows_per_s: number;
  observer: string;
}

export interface Arrivals {
  /** Newest stamp handed over so far (epoch ms): a reconnecting follower's `Last-Event-ID`. */
  position: number;
  /** New flows, oldest first, at most the batch. */
  flows: FlowRow[];
  /** New flows beyond the batch, counted and left out. */
  flows_left_out: number;
  alerts: AlertRow[];
  /** Rates over `RATE_WINDOW_MS` that ended `SETTLE_MS` ago, when what was stored then is searchable. */
  rates: TransportRate[];
}

export const RATE_WINDOW_MS = 10_000;

type Sums = { bytes: Metric; packets: Metric };
type RateAggs = { transports: Terms<Bucket & { observers: Terms<Bucket & Sums> }> };

function newerThan(since: number): Record<string, unknown> {
  return { range: { 'event.ingested': { gte: iso(since) } } };
}

function newest(since: number, size: number, fields: string[]): Record<string, unknown> {
  return {
    size,
    track_total_hits: true,
    query: newerThan(since),
    sort: [{ 'event.ingested': 'desc' }],
    _source: [...fields, 'event.ingested'],
  };
}

function rates(aggs: RateAggs | undefined): TransportRate[] {
  const seconds = RATE_WINDOW_MS / 1000;
  return (aggs?.transports.buckets ?? []).map((t) => {
    const [o] = chosen(t.observers.buckets, (b) => b.bytes.value ?? 0, false);
    return {
      transport: String(t.key),
      bytes_per_s: (o?.bytes.value ?? 0) / seconds,
      packets_per_s: (o?.packets.value ?? 0) / seconds,
      flows_per_s: (o?.doc_count ?? 0) / seconds,
      observer: observerName(o?.key),
    };
  });
}

/**
 * One poll: the newest flows and alerts the cursors have not handed over (at most `batch` of each), and the rates
 * per transport, in one multi-search.
 */
export async function pollArrivals(
  client: StoreClient,
  indices: Indices,
  cursors: { flows: ArrivalCursor; alerts: ArrivalCursor },
  batch: number,
  now: number,
): Promise<Arrivals> {
  const rateTo = now - SETTLE_MS;
  let results: Array<SearchResult<unknown, unknown>>;
  try {
    results = await msearch<unknown, unknown>(client, [
      {
        index: indices.flows,
        body: newest(cursors.flows.since(), batch + cursors.flows.seenCount(), FLOW_SOURCE_FIELDS),
      },
      {
        index: indices.alerts,
        body: newest(cursors.alerts.since(), batch + cursors.alerts.seenCount(), ALERT_FIELDS),
      },
      {
        index: indices.flows,
        body: {
          size: 0,
          query: { range: { 'event.ingested': { gte: iso(rateTo - RATE_WINDOW_MS), lt: iso(rateTo) } } },
          aggs: {
            transports: {
              terms: { field: 'network.transport', size: 20, missing: 'unknown' },
              aggs: {
                observers: byObserver({
                  bytes: { sum: { field: 'network.bytes' } },
                  packets: { sum: { field: 'network.packets' } },
                }),
              },
            },
          },
        },
      },
    ]);
  } catch (err) {
    // Nothing stored yet: nothing has arrived.
    if (!(err instanceof NoDataError)) throw err;
    return { position: cursors.flows.position(), flows: [], flows_left_out: 0, alerts: [], rates: [] };
  }
  const [flowHits, alertHits, rateResult] = results;
  const seenBefore = cursors.flows.seenCount();
  const flows = cursors.flows.admit(flowHits.hits.hits as Array<Hit<FlowDoc & Ingested>>).slice(0, batch);
  const alerts = cursors.alerts
    .admit(alertHits.hits.hits as Array<Hit<ListedAlert & Ingested>>)
    .slice(0, batch);
  return {
    position: cursors.flows.position(),
    flows: flows.reverse().map(flowRow),
    flows_left_out: Math.max(0, flowHits.hits.total.value - seenBefore - flows.length),
    alerts: alerts.reverse().map(alertRow),
    rates: rates(rateResult.aggregations as RateAggs | undefined),
  };
}
