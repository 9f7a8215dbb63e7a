import { type Bucket, endedBetween, type Metric, search, type Terms } from '../correlate/es.js';
import type { StoreClient } from '../store/client.js';
import {
  byObserver,
  chosen,
  type ObserverView,
  ONE_VIEW,
  observerFilter,
  observerName,
} from './observers.js';
import { histogramInterval, isoRange, type TimeRange } from './time.js';

/** One period of the range: its totals and its bytes by direction as seen from the local networks. */
export interface TrafficBucket {
  time: string;
  bytes: number;
  packets: number;
  flows: number;
  in: number;
  out: number;
  internal: number;
  external: number;
  /** Whose records the period's figures are; null where no flow ended in it. */
  observer: string | null;
}

export interface Traffic {
  from: string;
  to: string;
  /** The length of each period, as Elasticsearch's fixed interval (`60s`). */
  interval: string;
  buckets: TrafficBucket[];
}

/** `network.direction` as flow records write it. */
const DIRECTIONS = ['inbound', 'outbound', 'internal', 'external'];

type Sums = { bytes: Metric; packets: Metric };
type ObserverBucket = Bucket & Sums & { direction: Terms<Bucket & { bytes: Metric }> };
type Period = Bucket & { observers: Terms<ObserverBucket> };

function bucketOf(period: Period, observer: ObserverBucket | undefined): TrafficBucket {
  const direction = (name: string) =>
    observer?.direction.buckets.find((b) => b.key === name)?.bytes.value ?? 0;
  return {
    time: period.key_as_string ?? new Date(Number(period.key)).toISOString(),
    bytes: observer?.bytes.value ?? 0,
    packets: observer?.packets.value ?? 0,
    flows: observer?.doc_count ?? 0,
    in: direction('inbound'),
    out: direction('outbound'),
    internal: direction('internal'),
    external: direction('external'),
    observer: observer === undefined ? null : observerName(observer.key),
  };
}

/**
 * Bytes, packets and flows over the range in about 60 periods, each split by direction. Each period's figures
 * are one observer's, the one that saw the most bytes in it (src/reports/observers.ts), or the observer asked for.
 */
export async function trafficOverTime(
  client: StoreClient,
  flows: string,
  range: TimeRange,
  view: ObserverView = ONE_VIEW,
): Promise<Traffic> {
  const interval = histogramInterval(range.from, range.to);
  const result = await search<unknown, { over_time: Terms<Period> }>(client, flows, {
    size: 0,
    query: { bool: { filter: [endedBetween(range.from, range.to), ...observerFilter(view)] } },
    aggs: {
      over_time: {
        date_histogram: {
          field: '@timestamp',
          fixed_interval: interval,
          min_doc_count: 0,
          extended_bounds: { min: range.from, max: range.to - 1 },
        },
        aggs: {
          observers: byObserver({
            bytes: { sum: { field: 'network.bytes' } },
            packets: { sum: { field: 'network.packets' } },
            direction: {
              terms: { field: 'network.direction', size: 4, include: DIRECTIONS },
              aggs: { bytes: { sum: { field: 'network.bytes' } } },
            },
          }),
        },
      },
    },
  });
  return {
    ...isoRange(range),
    interval,
    buckets: result.aggregations.over_time.buckets.map((period) =>
      bucketOf(period, chosen(period.observers.buckets, (o) => o.bytes.value ?? 0, false)[0]),
    ),
  };
}
