import { endedBetween, type Metric } from '../correlate/es.js';
import { allBuckets, type CompositeBucket } from './composite.js';
import type { Report, ReportRow } from './context.js';
import { observerFilter } from './observers.js';

type Side = 'ingress' | 'egress';

interface TopTerm {
  buckets: Array<{ key: string }>;
}

type InterfaceBucket = CompositeBucket<{ exporter: string; id: string }> & {
  bytes: Metric;
  packets: Metric;
  exporter_name: TopTerm;
  name: TopTerm;
  alias: TopTerm;
};

interface InterfaceRow extends ReportRow {
  exporter: string;
  exporter_name: string | null;
  interface: string;
  name: string | null;
  alias: string | null;
  in_bytes: number;
  out_bytes: number;
  in_packets: number;
  out_packets: number;
  flows: number;
}

/** The most frequent value of `field` in a bucket: names change rarely, and a renamed interface shows its usual. */
function top(field: string): Record<string, unknown> {
  return { terms: { field, size: 1 } };
}

function first(term: TopTerm): string | null {
  return term.buckets[0]?.key ?? null;
}

/**
 * Traffic per exporter and interface, as the exporters' flow records name them (`observer.ingress.interface.id`,
 * `observer.egress.interface.id`): `in` entered the exporter on the interface, `out` left it there. Names are
 * those the flows carry: from the exporter's options data, SNMP or `enrichment.interfaces`. Records without
 * interface ids (Zeek, Suricata, exporters that send none) are not in it.
 */
export const interfaceTraffic: Report = {
  name: 'interfaces',
  description: 'bytes and packets in and out per exporter and interface (ifIndex), with their names',
  columns: [
    'exporter',
    'exporter_name',
    'interface',
    'name',
    'alias',
    'in_bytes',
    'out_bytes',
    'in_packets',
    'out_packets',
    'flows',
  ],
  async run(ctx) {
    const range = endedBetween(ctx.range.from, ctx.range.to);
    const side = (s: Side) =>
      allBuckets<InterfaceBucket['key'], InterfaceBucket>(
        ctx.client,
        ctx.flows,
        { bool: { filter: [range, ...observerFilter(ctx.observers)] } },
        [
          { exporter: { terms: { field: 'observer.ip' } } },
          { id: { terms: { field: `observer.${s}.interface.id` } } },
        ],
        {
          bytes: { sum: { field: 'network.bytes' } },
          packets: { sum: { field: 'network.packets' } },
          exporter_name: top('observer.name'),
          name: top(`observer.${s}.interface.name`),
          alias: top(`observer.${s}.interface.alias`),
        },
      );
    // Both at once; awaiting one after the other would leave the second's failure unhandled when the first fails.
    const [ingress, egress] = await Promise.all([side('ingress'), side('egress')]);
    const rows = new Map<string, InterfaceRow>();
    const add = (b: InterfaceBucket, s: Side) => {
      const key = `${b.key.exporter} ${b.key.id}`;
      let row = rows.get(key);
      if (row === undefined) {
        row = {
          exporter: b.key.exporter,
          exporter_name: null,
          interface: b.key.id,
          name: null,
          alias: null,
          in_bytes: 0,
          out_bytes: 0,
          in_packets: 0,
          out_packets: 0,
          flows: 0,
        };
        rows.set(key, row);
      }
      row.exporter_name ??= first(b.exporter_name);
      row.name ??= first(b.name);
      row.alias ??= first(b.alias);
      row.flows += b.doc_count;
      if (s === 'ingress') {
        row.in_bytes += b.bytes.value ?? 0;
        row.in_packets += b.packets.value ?? 0;
      } else {
        row.out_bytes += b.bytes.value ?? 0;
        row.out_packets += b.packets.value ?? 0;
      }
    };
    for (const b of ingress) add(b, 'ingress');
    for (const b of egress) add(b, 'egress');
    return [...rows.values()]
      .sort(
        (a, b) =>
          b.in_bytes + b.out_bytes - (a.in_bytes + a.out_bytes) ||
          a.exporter.localeCompare(b.exporter) ||
          Number(a.interface) - Number(b.interface),
      )
      .slice(0, ctx.limit);
  },
};
