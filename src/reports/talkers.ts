import { type Bucket, type Metric, search, type Terms } from '../correlate/es.js';
import { FLOW_COUNT, type FlowCounted, flowCount, flowSource } from './archive.js';
import type { Report, ReportContext, ReportRow } from './context.js';
import { byObserver, chosen, observerFilter, observerName } from './observers.js';

type Bytes = { bytes: Metric };
type Observed<B> = { observers: Terms<B> };
type RankBucket = Bucket & Bytes & Observed<Bucket & Bytes & FlowCounted>;
type DetailBucket = Bucket &
  Observed<
    Bucket &
      Bytes & {
        packets: Metric;
        transport: Terms<Bucket & Bytes>;
        direction: Terms<Bucket & Bytes>;
      }
  >;

const BYTES = { bytes: { sum: { field: 'network.bytes' } } };

const TRANSPORTS = ['tcp', 'udp'];
const DIRECTIONS = ['inbound', 'outbound', 'internal', 'external'];
/** Candidates ranked at most before the ranking is taken as it is (each round doubles them). */
const MAX_CANDIDATES = 10_000;

/** Bytes per value of a field, among the values named (one pass over the flows, where a filter per value is one each). */
function bytesBy(field: string, values: string[]) {
  return { terms: { field, size: values.length, include: values }, aggs: BYTES };
}

function bytesOf(terms: Terms<Bucket & Bytes>, key: string): number {
  return terms.buckets.find((b) => b.key === key)?.bytes.value ?? 0;
}

interface Ranked {
  ip: string;
  observer: string;
  bytes: number;
  flows: number;
}

/**
 * The addresses with the most bytes by the rule of observers.ts, exactly: the store ranks by the bytes of all
 * observers together, which is at least any one observer's; once the `limit`-th address by its busiest observer
 * has more bytes than the last candidate has in all, no address left out can rank above it. Until then the
 * candidates double.
 */
async function rank(
  ctx: ReportContext,
  field: string,
  index: string,
  range: Record<string, unknown>,
): Promise<Ranked[]> {
  for (let size = ctx.limit * 2; ; size *= 2) {
    const result = await search<unknown, { top: Terms<RankBucket> }>(ctx.client, index, {
      size: 0,
      query: { bool: { filter: [range, ...observerFilter(ctx.observers)] } },
      aggs: {
        top: {
          terms: { field, size, order: [{ bytes: 'desc' }, { _key: 'asc' }] },
          aggs: { ...BYTES, observers: byObserver({ ...BYTES, ...FLOW_COUNT }) },
        },
      },
    });
    const candidates = result.aggregations.top.buckets;
    const rows = candidates.flatMap((b) =>
      chosen(b.observers.buckets, (o) => o.bytes.value ?? 0, ctx.observers.each).map((o) => ({
        ip: String(b.key),
        observer: observerName(o.key),
        bytes: o.bytes.value ?? 0,
        flows: flowCount(o),
      })),
    );
    rows.sort(
      (a, b) => b.bytes - a.bytes || a.ip.localeCompare(b.ip) || a.observer.localeCompare(b.observer),
    );
    const top = rows.slice(0, ctx.limit);
    const leftOut = candidates.at(-1)?.bytes.value ?? 0;
    const complete = candidates.length < size || size >= MAX_CANDIDATES;
    if (complete || (top.length === ctx.limit && (top.at(-1)?.bytes ?? 0) >= leftOut)) return top;
  }
}

/**
 * Top senders (by `source.ip`) or receivers (by `destination.ip`) by bytes, each split by transport and by
 * direction as seen from the local networks (in/out/internal/external). Two steps: the ranking sums bytes per
 * address and observer and nothing else, as every address of the range must be summed to rank them; the splits
 * are then counted for the top addresses' flows only, of the observer each row is.
 */
function talkers(side: 'source' | 'destination', name: string, description: string): Report {
  const field = `${side}.ip`;
  return {
    name,
    description,
    archived: true,
    columns: [
      'ip',
      'bytes',
      'packets',
      'flows',
      'tcp',
      'udp',
      'other',
      'in',
      'out',
      'internal',
      'external',
      'observer',
    ],
    async run(ctx: ReportContext): Promise<ReportRow[]> {
      const { index, window: range } = flowSource(ctx.flows, ctx.range, ctx.archive, 'hosts');
      const ranked = await rank(ctx, field, index, range);
      const top = [...new Set(ranked.map((r) => r.ip))];
      if (top.length === 0) return [];
      const details = await search<unknown, { top: Terms<DetailBucket> }>(ctx.client, index, {
        size: 0,
        query: { bool: { filter: [range, { terms: { [field]: top } }, ...observerFilter(ctx.observers)] } },
        aggs: {
          top: {
            terms: { field, size: top.length, include: top },
            aggs: {
              observers: byObserver({
                packets: { sum: { field: 'network.packets' } },
                transport: bytesBy('network.transport', TRANSPORTS),
                direction: bytesBy('network.direction', DIRECTIONS),
              }),
            },
          },
        },
      });
      const detail = new Map(
        details.aggregations.top.buckets.flatMap((b) =>
          b.observers.buckets.map((o) => [`${b.key} ${observerName(o.key)}`, o] as const),
        ),
      );
      return ranked.map((r) => {
        const d = detail.get(`${r.ip} ${r.observer}`);
        const tcp = d ? bytesOf(d.transport, 'tcp') : 0;
        const udp = d ? bytesOf(d.transport, 'udp') : 0;
        return {
          ip: r.ip,
          bytes: r.bytes,
          packets: d?.packets.value ?? 0,
          flows: r.flows,
          tcp,
          udp,
          // Byte counts are integers, summed exactly well beyond any range's total.
          other: r.bytes - tcp - udp,
          in: d ? bytesOf(d.direction, 'inbound') : 0,
          out: d ? bytesOf(d.direction, 'outbound') : 0,
          internal: d ? bytesOf(d.direction, 'internal') : 0,
          external: d ? bytesOf(d.direction, 'external') : 0,
          observer: r.observer,
        };
      });
    },
  };
}

export const topSenders = talkers('source', 'top-senders', 'addresses that sent the most bytes');
export const topReceivers = talkers('destination', 'top-receivers', 'addresses that received the most bytes');
