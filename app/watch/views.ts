/**
 * `watch`'s views as tables of text: which columns each has, what it can be sorted by, and its rows in order.
 * Pure: the screen (screen.ts) lays the tables out, the terminal (terminal.ts) draws them.
 */
import { transportName } from '../../src/schema/protocols.js';
import {
  byHost,
  byInterface,
  byPort,
  byProtocol,
  bySize,
  byStation,
  type HostRow,
  type LabeledTotals,
  type StationRow,
} from './breakdowns.js';
import type { FlowEntry } from './flow-table.js';
import { bitRate, bytes, count, endpoint, flagLetters, flagPair } from './format.js';

export type ViewName = 'flows' | 'hosts' | 'ports' | 'protocols' | 'sizes' | 'stations';

export interface ViewSpec {
  name: ViewName;
  /** The key that shows it. */
  key: string;
  title: string;
  /** Sort keys, the first the default; all sort largest (or newest) first unless turned round. */
  sorts: readonly string[];
}

export const VIEWS: readonly ViewSpec[] = [
  { name: 'flows', key: '1', title: 'Flows', sorts: ['bytes', 'packets', 'rate', 'last', 'start'] },
  { name: 'hosts', key: '2', title: 'Hosts', sorts: ['bytes', 'flows', 'ports', 'peers', 'failed', 'rate'] },
  { name: 'ports', key: '3', title: 'Ports', sorts: ['bytes', 'packets', 'flows', 'rate', 'port'] },
  {
    name: 'protocols',
    key: '4',
    title: 'Interfaces+protocols',
    sorts: ['bytes', 'packets', 'flows', 'rate'],
  },
  { name: 'sizes', key: '5', title: 'Packet sizes', sorts: ['size'] },
  { name: 'stations', key: '6', title: 'LAN stations', sorts: ['bytes', 'packets', 'rate'] },
];

export function viewSpec(name: ViewName): ViewSpec {
  return VIEWS.find((v) => v.name === name) ?? VIEWS[0];
}

export interface Column {
  title: string;
  /** Columns wide; a flexible column this at least, and more where the fixed ones leave room. */
  width: number;
  align: 'left' | 'right';
  flex?: boolean;
}

export interface TextTable {
  title?: string;
  columns: Column[];
  rows: string[][];
}

export interface SortOrder {
  key: string;
  /** Smallest (or oldest) first instead. */
  ascending: boolean;
}

const left = (title: string, width: number, flex = false): Column => ({ title, width, align: 'left', flex });
const right = (title: string, width: number): Column => ({ title, width, align: 'right' });

function sorted<T>(rows: T[], order: SortOrder, value: (row: T, key: string) => number | string): T[] {
  const sign = order.ascending ? 1 : -1;
  return rows.sort((a, b) => {
    const x = value(a, order.key);
    const y = value(b, order.key);
    return x < y ? -sign : x > y ? sign : 0;
  });
}

function flowValue(flow: FlowEntry, key: string): number {
  switch (key) {
    case 'packets':
      return flow.packets + flow.reversePackets;
    case 'rate':
      return flow.byteRate;
    case 'last':
      return flow.last;
    case 'start':
      return flow.start;
    default:
      return flow.bytes + flow.reverseBytes;
  }
}

function flowsTable(flows: FlowEntry[], order: SortOrder): TextTable {
  return {
    columns: [
      left('Proto', 5),
      left('Source', 12, true),
      left('Destination', 12, true),
      left('State', 6),
      left('Flags', 9),
      right('Pkts', 5),
      right('Bytes', 6),
      right('Rate', 8),
    ],
    rows: sorted(flows, order, flowValue).map((f) => [
      protocolName(f.protocol),
      endpoint(f.sourceIp, f.sourcePort),
      endpoint(f.destinationIp, f.destinationPort),
      f.state ?? '',
      f.protocol !== 6
        ? ''
        : f.combinedFlags
          ? flagLetters(f.sourceFlags)
          : flagPair(f.sourceFlags, f.destinationFlags),
      count(f.packets + f.reversePackets),
      bytes(f.bytes + f.reverseBytes),
      bitRate(f.byteRate),
    ]),
  };
}

/** ECS's name, `ipv6-icmp` shortened to fit the column. */
function protocolName(protocol: number): string {
  const name = transportName(protocol);
  return name === 'ipv6-icmp' ? 'icmp6' : name;
}

function hostValue(row: HostRow, key: string): number {
  switch (key) {
    case 'flows':
      return row.flows;
    case 'ports':
      return row.ports;
    case 'peers':
      return row.peers;
    case 'failed':
      return row.failed;
    case 'rate':
      return row.byteRate;
    default:
      return row.bytes;
  }
}

function hostsTable(flows: FlowEntry[], order: SortOrder): TextTable {
  return {
    columns: [
      left('Address', 15, true),
      right('Flows', 6),
      right('Peers', 6),
      right('Ports', 6),
      right('Failed', 6),
      right('PktOut', 6),
      right('BytesOut', 8),
      right('PktIn', 6),
      right('BytesIn', 8),
      right('Rate', 9),
    ],
    rows: sorted(byHost(flows), order, hostValue).map((h) => [
      h.ip,
      count(h.flows),
      count(h.peers),
      count(h.ports),
      count(h.failed),
      count(h.packetsOut),
      bytes(h.bytesOut),
      count(h.packetsIn),
      bytes(h.bytesIn),
      bitRate(h.byteRate),
    ]),
  };
}

function totalsValue(row: LabeledTotals, key: string): number | string {
  switch (key) {
    case 'packets':
      return row.packets;
    case 'flows':
      return row.flows;
    case 'rate':
      return row.byteRate;
    case 'port':
      return Number(row.label.split('/')[1] ?? 0);
    default:
      return row.bytes;
  }
}

function totalsTable(title: string, label: string, rows: LabeledTotals[], order: SortOrder): TextTable {
  return {
    title,
    columns: [
      left(label, 9, true),
      right('Flows', 7),
      right('Pkts', 7),
      right('Bytes', 8),
      right('Pkt/s', 7),
      right('Rate', 9),
    ],
    rows: sorted(rows, order, totalsValue).map((r) => [
      r.label,
      count(r.flows),
      count(r.packets),
      bytes(r.bytes),
      count(r.packetRate),
      bitRate(r.byteRate),
    ]),
  };
}

/** A bar of `#` as long as the share of `width`. */
function bar(share: number, width: number): string {
  return '#'.repeat(Math.round(share * width));
}

function sizesTable(flows: FlowEntry[]): TextTable {
  return {
    title: 'Packets by IP length (bytes)',
    columns: [left('Size', 10), right('Pkts', 8), right('Share', 6), left('', 10, true)],
    rows: bySize(flows).map((s) => [
      s.label,
      count(s.packets),
      `${(s.share * 100).toFixed(1)}%`,
      bar(s.share, 40),
    ]),
  };
}

function stationValue(row: StationRow, key: string): number {
  return key === 'packets' ? row.packets : key === 'rate' ? row.byteRate : row.bytes;
}

function stationsTable(flows: FlowEntry[], order: SortOrder): TextTable {
  return {
    columns: [
      left('MAC', 17),
      right('PktIn', 6),
      right('BytesIn', 8),
      right('PktOut', 6),
      right('BytesOut', 8),
      right('Rate', 9),
      left('Addresses', 15, true),
    ],
    rows: sorted(byStation(flows), order, stationValue).map((s) => [
      s.mac,
      count(s.packetsIn),
      bytes(s.bytesIn),
      count(s.packetsOut),
      bytes(s.bytesOut),
      bitRate(s.byteRate),
      s.addresses.join(' '),
    ]),
  };
}

/** The view's tables over the flows that pass the filter; the last table is the one that scrolls. */
export function viewTables(view: ViewName, flows: FlowEntry[], order: SortOrder): TextTable[] {
  switch (view) {
    case 'hosts':
      return [hostsTable(flows, order)];
    case 'ports':
      return [totalsTable('Services (protocol/responder port)', 'Port', byPort(flows), order)];
    case 'protocols':
      return [
        totalsTable('Interfaces', 'Interface', byInterface(flows), order),
        totalsTable('Protocols', 'Protocol', byProtocol(flows), order),
      ];
    case 'sizes':
      return [sizesTable(flows)];
    case 'stations':
      return [stationsTable(flows, order)];
    default:
      return [flowsTable(flows, order)];
  }
}
