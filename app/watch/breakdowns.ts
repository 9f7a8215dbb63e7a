/**
 * What `watch`'s views count, from the conversations kept (flow-table.ts) that pass the filter: totals per
 * interface and protocol, per service port, per packet-size bin, per MAC (IPTraf's LAN station monitor) and per
 * address (iptrk's host table, where a scanner shows as many ports and many failed connections).
 */
import { transportName } from '../../src/schema/protocols.js';
import { type FlowEntry, SIZE_BIN_LABELS } from './flow-table.js';

export interface Totals {
  flows: number;
  packets: number;
  bytes: number;
  /** Per second over the last update. */
  packetRate: number;
  byteRate: number;
}

export interface LabeledTotals extends Totals {
  label: string;
}

function empty(): Totals {
  return { flows: 0, packets: 0, bytes: 0, packetRate: 0, byteRate: 0 };
}

function add(totals: Totals, flow: FlowEntry): void {
  totals.flows++;
  totals.packets += flow.packets + flow.reversePackets;
  totals.bytes += flow.bytes + flow.reverseBytes;
  totals.packetRate += flow.packetRate;
  totals.byteRate += flow.byteRate;
}

/** The row of `key`, made by `make` and kept the first time the key is seen. */
function rowOf<K, R>(rows: Map<K, R>, key: K, make: () => R): R {
  let row = rows.get(key);
  if (row === undefined) {
    row = make();
    rows.set(key, row);
  }
  return row;
}

function grouped(
  flows: Iterable<FlowEntry>,
  labelOf: (flow: FlowEntry) => string | undefined,
): LabeledTotals[] {
  const groups = new Map<string, LabeledTotals>();
  for (const flow of flows) {
    const label = labelOf(flow);
    if (label !== undefined)
      add(
        rowOf(groups, label, () => ({ label, ...empty() })),
        flow,
      );
  }
  return [...groups.values()];
}

export function total(flows: Iterable<FlowEntry>): Totals {
  const totals = empty();
  for (const flow of flows) add(totals, flow);
  return totals;
}

export function byInterface(flows: Iterable<FlowEntry>): LabeledTotals[] {
  return grouped(flows, (f) => f.iface);
}

export function byProtocol(flows: Iterable<FlowEntry>): LabeledTotals[] {
  return grouped(flows, (f) => transportName(f.protocol));
}

/** Protocols whose destination port names a service. */
const SERVICE_PORTS = new Set([6, 17, 132]);

/** Per service (protocol and the responder's port, `tcp/443`); ICMP and port-less protocols are left out. */
export function byPort(flows: Iterable<FlowEntry>): LabeledTotals[] {
  return grouped(flows, (f) =>
    SERVICE_PORTS.has(f.protocol) && f.destinationPort !== undefined
      ? `${transportName(f.protocol)}/${f.destinationPort}`
      : undefined,
  );
}

export interface SizeRow {
  label: string;
  packets: number;
  /** Of all packets counted in bins, 0 to 1. */
  share: number;
}

/** Packets per size bin (IP length), where the feed counts them (the tap does; flow records from NetFlow do not). */
export function bySize(flows: Iterable<FlowEntry>): SizeRow[] {
  const packets = SIZE_BIN_LABELS.map(() => 0);
  for (const flow of flows)
    flow.sizes.forEach((n, i) => {
      packets[i] += n;
    });
  const all = packets.reduce((a, b) => a + b, 0);
  return SIZE_BIN_LABELS.map((label, i) => ({
    label,
    packets: packets[i],
    share: all === 0 ? 0 : packets[i] / all,
  }));
}

/** What one end of conversations (a station, a host) sent (out) and was sent (in). */
export interface EndTraffic {
  packetsOut: number;
  bytesOut: number;
  packetsIn: number;
  bytesIn: number;
  packets: number;
  bytes: number;
  /** Per second over the last update, of its conversations in both directions. */
  byteRate: number;
}

function noTraffic(): EndTraffic {
  return { packetsOut: 0, bytesOut: 0, packetsIn: 0, bytesIn: 0, packets: 0, bytes: 0, byteRate: 0 };
}

/** Counts the flow into one of its ends: the source sent the flow's forward packets, the destination its reverse ones. */
function addEnd(end: EndTraffic, flow: FlowEntry, isSource: boolean): void {
  const packetsOut = isSource ? flow.packets : flow.reversePackets;
  const bytesOut = isSource ? flow.bytes : flow.reverseBytes;
  const packetsIn = isSource ? flow.reversePackets : flow.packets;
  const bytesIn = isSource ? flow.reverseBytes : flow.bytes;
  end.packetsOut += packetsOut;
  end.bytesOut += bytesOut;
  end.packetsIn += packetsIn;
  end.bytesIn += bytesIn;
  end.packets += packetsOut + packetsIn;
  end.bytes += bytesOut + bytesIn;
  end.byteRate += flow.byteRate;
}

export interface StationRow extends EndTraffic {
  mac: string;
  /** The addresses seen behind this MAC, in the order first seen. */
  addresses: string[];
}

/** Per MAC: what it sent (out) and was sent (in); a router's MAC stands for every address behind it. */
export function byStation(flows: Iterable<FlowEntry>): StationRow[] {
  const stations = new Map<string, StationRow>();
  const addStation = (flow: FlowEntry, mac: string | undefined, address: string, isSource: boolean) => {
    if (mac === undefined) return;
    const row = rowOf(stations, mac, () => ({ mac, ...noTraffic(), addresses: [] }));
    if (!row.addresses.includes(address) && row.addresses.length < 8) row.addresses.push(address);
    addEnd(row, flow, isSource);
  };
  for (const flow of flows) {
    addStation(flow, flow.sourceMac, flow.sourceIp, true);
    addStation(flow, flow.destinationMac, flow.destinationIp, false);
  }
  return [...stations.values()];
}

/** Connections that were never answered or were refused: a scan's mark. */
const FAILED_STATES = new Set(['S0', 'REJ', 'RSTOS0', 'RSTRH', 'SH', 'SHR']);

export interface HostRow extends EndTraffic {
  ip: string;
  /** Conversations this address opened (was the source of). */
  flows: number;
  /** Distinct addresses it opened conversations with. */
  peers: number;
  /** Distinct destination ports it opened conversations to. */
  ports: number;
  /** Of the conversations it opened, those unanswered or refused (S0, REJ…). */
  failed: number;
}

interface HostWork extends HostRow {
  peerSet: Set<string>;
  portSet: Set<number>;
}

/** Per address, on either side of a conversation. */
export function byHost(flows: Iterable<FlowEntry>): HostRow[] {
  const hosts = new Map<string, HostWork>();
  const host = (ip: string) =>
    rowOf(hosts, ip, () => ({
      ip,
      flows: 0,
      peers: 0,
      ports: 0,
      failed: 0,
      ...noTraffic(),
      peerSet: new Set<string>(),
      portSet: new Set<number>(),
    }));
  for (const flow of flows) {
    const source = host(flow.sourceIp);
    source.flows++;
    source.peerSet.add(flow.destinationIp);
    if (SERVICE_PORTS.has(flow.protocol) && flow.destinationPort !== undefined)
      source.portSet.add(flow.destinationPort);
    if (flow.state !== undefined && FAILED_STATES.has(flow.state)) source.failed++;
    addEnd(source, flow, true);
    addEnd(host(flow.destinationIp), flow, false);
  }
  return [...hosts.values()].map(({ peerSet, portSet, ...row }) => ({
    ...row,
    peers: peerSet.size,
    ports: portSet.size,
  }));
}
