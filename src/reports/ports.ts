import { endedBetween, type Metric } from '../correlate/es.js';
import { PORTED } from '../correlate/flow-queries.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report, ReportRow } from './context.js';
import { OBSERVER_SOURCE, observerFilter, observerName, PerObserver } from './observers.js';

type PortBucket = CompositeBucket<{ transport: string; port?: number | null; observer: string | null }> & {
  bytes: Metric;
  packets: Metric;
};

interface PortRow extends ReportRow {
  transport: string;
  port: number | null;
  flows: number;
  packets: number;
  bytes: number;
}

/**
 * Traffic by service: the server's port (ECS `server.port`, the end that did not open the conversation) and
 * transport, both directions of a conversation together, so that the replies' ephemeral ports do not rank as
 * services. Other transports (ICMP…) get a row each without a port.
 */
export const portBreakdown: Report = {
  name: 'ports',
  description: "flows, packets and bytes by service: the server's port and transport, both directions",
  columns: ['transport', 'port', 'flows', 'packets', 'bytes', 'observer'],
  async run(ctx) {
    const range = endedBetween(ctx.range.from, ctx.range.to);
    const sums = {
      bytes: { sum: { field: 'network.bytes' } },
      packets: { sum: { field: 'network.packets' } },
    };
    const transport = { transport: { terms: { field: 'network.transport' } } };
    const ported = allBuckets<PortBucket['key'], PortBucket>(
      ctx.client,
      ctx.flows,
      {
        bool: {
          filter: [range, PORTED, ...observerFilter(ctx.observers)],
        },
      },
      [transport, { port: { terms: { field: 'server.port', missing_bucket: true } } }, OBSERVER_SOURCE],
      sums,
    );
    const portless = allBuckets<PortBucket['key'], PortBucket>(
      ctx.client,
      ctx.flows,
      {
        bool: {
          filter: [range, ...observerFilter(ctx.observers)],
          must_not: PORTED,
        },
      },
      [transport, OBSERVER_SOURCE],
      sums,
    );
    const rows = new PerObserver<PortRow>(() => ({
      transport: '',
      port: null,
      flows: 0,
      packets: 0,
      bytes: 0,
    }));
    // Both at once; awaiting them one after the other would leave the second's failure unhandled, which ends the
    // process, when the first fails (Elasticsearch down).
    const [withPorts, withoutPorts] = await Promise.all([ported, portless]);
    for (const b of [...withPorts, ...withoutPorts]) {
      const port = b.key.port ?? null;
      const row = rows.row(`${b.key.transport} ${port}`, observerName(b.key.observer));
      row.transport = b.key.transport;
      row.port = port;
      row.flows += b.doc_count;
      row.packets += b.packets.value ?? 0;
      row.bytes += b.bytes.value ?? 0;
    }
    return rows
      .rows((row) => row.bytes, ctx.observers.each)
      .sort(
        (a, b) =>
          b.bytes - a.bytes || (a.port ?? -1) - (b.port ?? -1) || a.observer.localeCompare(b.observer),
      )
      .slice(0, ctx.limit);
  },
};
