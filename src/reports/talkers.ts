import { type Bucket, endedBetween, type Metric, search, type Terms } from '../correlate/es.js';
import type { Report, ReportContext, ReportRow } from './context.js';

type Split = { bytes: Metric };
type TalkerBucket = Bucket & {
  bytes: Metric;
  packets: Metric;
  tcp: Split;
  udp: Split;
  other: Split;
  inbound: Split;
  outbound: Split;
  internal: Split;
  external: Split;
};

const BYTES = { bytes: { sum: { field: 'network.bytes' } } };

function split(filter: Record<string, unknown>) {
  return { filter, aggs: BYTES };
}

/**
 * Top senders (by `source.ip`) or receivers (by `destination.ip`) by bytes, each split by transport and by
 * direction as seen from the local networks (in/out/internal/external).
 */
function talkers(side: 'source' | 'destination', name: string, description: string): Report {
  return {
    name,
    description,
    columns: ['ip', 'bytes', 'packets', 'flows', 'tcp', 'udp', 'other', 'in', 'out', 'internal', 'external'],
    async run(ctx: ReportContext): Promise<ReportRow[]> {
      const direction = (d: string) => split({ term: { 'network.direction': d } });
      const result = await search<unknown, { top: Terms<TalkerBucket> }>(ctx.client, ctx.flows, {
        size: 0,
        query: endedBetween(ctx.range.from, ctx.range.to),
        aggs: {
          top: {
            terms: { field: `${side}.ip`, size: ctx.limit, order: [{ bytes: 'desc' }, { _key: 'asc' }] },
            aggs: {
              ...BYTES,
              packets: { sum: { field: 'network.packets' } },
              tcp: split({ term: { 'network.transport': 'tcp' } }),
              udp: split({ term: { 'network.transport': 'udp' } }),
              other: split({ bool: { must_not: { terms: { 'network.transport': ['tcp', 'udp'] } } } }),
              inbound: direction('inbound'),
              outbound: direction('outbound'),
              internal: direction('internal'),
              external: direction('external'),
            },
          },
        },
      });
      return result.aggregations.top.buckets.map((b) => ({
        ip: String(b.key),
        bytes: b.bytes.value ?? 0,
        packets: b.packets.value ?? 0,
        flows: b.doc_count,
        tcp: b.tcp.bytes.value ?? 0,
        udp: b.udp.bytes.value ?? 0,
        other: b.other.bytes.value ?? 0,
        in: b.inbound.bytes.value ?? 0,
        out: b.outbound.bytes.value ?? 0,
        internal: b.internal.bytes.value ?? 0,
        external: b.external.bytes.value ?? 0,
      }));
    },
  };
}

export const topSenders = talkers('source', 'top-senders', 'addresses that sent the most bytes');
export const topReceivers = talkers('destination', 'top-receivers', 'addresses that received the most bytes');
