/**
 * Several observers (NetFlow exporters on one link, a Zeek sensor beside them) may report the same traffic, and
 * adding up their records would count it several times. flowtrail's rule, in every report, in `host`, in
 * correlation and in the detections: a figure about one thing (a host, a pair, a port, a period) is the figure of
 * the observer that saw the most of that thing's traffic. Where observers see different parts of a host's traffic
 * (two uplinks), that is the larger part; `--observer` shows one observer's view, `--by-observer` every
 * observer's, side by side.
 */

import { OBSERVER_FIELD, observerIs } from '../correlate/flow-queries.js';

/** What a report shows of the observers' views. */
export interface ObserverView {
  /** Only the records of this observer. */
  only?: string;
  /** A row per observer, named in an `observer` column, instead of the one that saw the most. */
  each: boolean;
}

export const ONE_VIEW: ObserverView = { each: false };

/** The composite aggregation source that splits buckets by observer. */
export const OBSERVER_SOURCE = { observer: { terms: { field: OBSERVER_FIELD, missing_bucket: true } } };

/** Observers listed under one bucket at most: a site has a handful, a flood of them says nothing more. */
const MAX_OBSERVERS = 100;

/** A sub-aggregation splitting a bucket by observer, with `aggs` under each. */
export function byObserver(aggs: Record<string, unknown>): Record<string, unknown> {
  return { terms: { field: OBSERVER_FIELD, size: MAX_OBSERVERS, missing: '-' }, aggs };
}

/** The query filter `--observer` adds, if any. */
export function observerFilter(view: ObserverView): Array<Record<string, unknown>> {
  return view.only === undefined ? [] : [observerIs(view.only)];
}

/** A key's observer as a bucket gives it: `-` where records name none (older documents). */
export function observerName(key: unknown): string {
  return key === null || key === undefined ? '-' : String(key);
}

/**
 * Rows of each thing by observer, made up as buckets come (a thing's row of one observer may gather several
 * buckets, as both directions of a pair), then reduced by the rule above.
 */
export class PerObserver<R> {
  private readonly things = new Map<string, Map<string, R>>();

  constructor(private readonly fresh: (observer: string) => R) {}

  /** The row of `thing` as `observer` saw it, made on first use. */
  row(thing: string, observer: string): R {
    let rows = this.things.get(thing);
    if (rows === undefined) {
      rows = new Map();
      this.things.set(thing, rows);
    }
    let row = rows.get(observer);
    if (row === undefined) {
      row = this.fresh(observer);
      rows.set(observer, row);
    }
    return row;
  }

  /**
   * One row per thing, its observer's that weighs most (ties: the observer named first), or with `each` every
   * observer's row, each with its `observer`.
   */
  rows(weight: (row: R) => number, each: boolean): Array<R & { observer: string }> {
    const out: Array<R & { observer: string }> = [];
    for (const rows of this.things.values()) {
      const named = [...rows].map(
        ([observer, row]) =>
          Object.assign(row as object, { observer }) as R & {
            observer: string;
          },
      );
      if (each) {
        out.push(...named);
        continue;
      }
      out.push(
        named.reduce((best, row) =>
          weight(row) > weight(best) || (weight(row) === weight(best) && row.observer < best.observer)
            ? row
            : best,
        ),
      );
    }
    return out;
  }
}

/**
 * The bucket of an observer split that weighs most (as `PerObserver.rows` chooses), or every one with `each`.
 * `nameOf` names a bucket's observer: by default its key, as a terms split by observer gives it.
 */
export function chosen<B extends { key: unknown }>(
  buckets: readonly B[],
  weight: (bucket: B) => number,
  each: boolean,
  nameOf: (bucket: B) => string = (b) => observerName(b.key),
): B[] {
  if (each || buckets.length <= 1) return [...buckets];
  return [
    buckets.reduce((best, b) =>
      weight(b) > weight(best) || (weight(b) === weight(best) && nameOf(b) < nameOf(best)) ? b : best,
    ),
  ];
}
