import { type Bucket, endedBetween, type Metric, search, type Terms } from '../correlate/es.js';
import type { Report, ReportContext, ReportRow } from './context.js';

type Bytes = { bytes: Metric };
type RankBucket = Bucket & Bytes;
type DetailBucket = Bucket &
  Bytes & {
    packets: Metric;
    transport: Terms<Bucket & Bytes>;
    direction: Terms<Bucket & Bytes>;
  };

const BYTES = { bytes: { sum: { field: 'network.bytes' } } };

const TRANSPORTS = ['tcp', 'udp'];
const DIRECTIONS = ['inbound', 'outbound', 'internal', 'external'];

/** Bytes per value of a field, among the values named (one pass over the flows, where a filter per value is one each). */
function bytesBy(field: string, values: string[]) {
  return { terms: { field, size: values.length, include: values }, aggs: BYTES };
}

function bytesOf(terms: Terms<Bucket & Bytes>, key: string): number {
  return terms.buckets.find((b) => b.key === key)?.bytes.value ?? 0;
}

/**
 * Top senders (by `source.ip`) or receivers (by `destination.ip`) by bytes, each split by transport and by
 * direction as seen from the local networks (in/out/internal/external). Two searches: the ranking sums bytes
 * per address and nothing else, as every address of the range must be summed to rank them; the splits are then
 * counted for the top addresses' flows only.
 */
function talkers(side: 'source' | 'destination', name: string, description: string): Report {
  const field = `${side}.ip`;
  return {
    name,
    description,
    columns: ['ip', 'bytes', 'packets', 'flows', 'tcp', 'udp', 'other', 'in', 'out', 'internal', 'external'],
    async run(ctx: ReportContext): Promise<ReportRow[]> {
      const range = endedBetween(ctx.range.from, ctx.range.to);
      const ranked = await search<unknown, { top: Terms<RankBucket> }>(ctx.client, ctx.flows, {
        size: 0,
        query: range,
        aggs: {
          top: {
            terms: { field, size: ctx.limit, order: [{ bytes: 'desc' }, { _key: 'asc' }] },
            aggs: BYTES,
          },
        },
      });
      const top = ranked.aggregations.top.buckets.map((b) => String(b.key));
      if (top.length === 0) return [];
      const details = await search<unknown, { top: Terms<DetailBucket> }>(ctx.client, ctx.flows, {
        size: 0,
        query: { bool: { filter: [range, { terms: { [field]: top } }] } },
        aggs: {
          top: {
            terms: { field, size: top.length, include: top },
            aggs: {
              packets: { sum: { field: 'network.packets' } },
              transport: bytesBy('network.transport', TRANSPORTS),
              direction: bytesBy('network.direction', DIRECTIONS),
            },
          },
        },
      });
      const detail = new Map(details.aggregations.top.buckets.map((b) => [String(b.key), b]));
      return ranked.aggregations.top.buckets.map((b) => {
        const d = detail.get(String(b.key));
        const bytes = b.bytes.value ?? 0;
        const tcp = d ? bytesOf(d.transport, 'tcp') : 0;
        const udp = d ? bytesOf(d.transport, 'udp') : 0;
        return {
          ip: String(b.key),
          bytes,
          packets: d?.packets.value ?? 0,
          flows: b.doc_count,
          tcp,
          udp,
          // Byte counts are integers, summed exactly well beyond any range's total.
          other: bytes - tcp - udp,
          in: d ? bytesOf(d.direction, 'inbound') : 0,
          out: d ? bytesOf(d.direction, 'outbound') : 0,
          internal: d ? bytesOf(d.direction, 'internal') : 0,
          external: d ? bytesOf(d.direction, 'external') : 0,
        };
      });
    },
  };
}

export const topSenders = talkers('source', 'top-senders', 'addresses that sent the most bytes');
export const topReceivers = talkers('destination', 'top-receivers', 'addresses that received the most bytes');
