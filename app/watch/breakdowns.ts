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

function grouped(
  flows: Iterable<FlowEntry>,
  labelOf: (flow: FlowEntry) => string | undefined,
): LabeledTotals[] {
  const groups = new Map<string, LabeledTotals>();
  for (const flow of flows) {
    const label = labelOf(flow);
    if (label === undefined) continue;
    let group = groups.get(label);
    if (group === undefined) {
      group = { label, ...empty() };
      groups.set(label, group);
    }
    add(group, flow);
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

export interface StationRow {
  mac: string;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  packets: number;
  bytes: number;
  byteRate: number;
  /** The addresses seen behind this MAC, in the order first seen. */
  addresses: string[];
}

/** Per MAC: what it sent (out) and was sent (in); a router's MAC stands for every address behind it. */
export function byStation(flows: Iterable<FlowEntry>): StationRow[] {
  const stations = new Map<string, StationRow>();
  const station = (mac: string, address: string) => {
    let row = stations.get(mac);
    if (row === undefined) {
      row = {
        mac,
        packetsIn: 0,
        packetsOut: 0,
        bytesIn: 0,
        bytesOut: 0,
        packets: 0,
        bytes: 0,
        byteRate: 0,
        addresses: [],
      };
      stations.set(mac, row);
    }
    if (!row.addresses.includes(address) && row.addresses.length < 8) row.addresses.push(address);
    return row;
  };
  for (const flow of flows) {
    const sides: Array<[string | undefined, string, number, number, number, number]> = [
      [flow.sourceMac, flow.sourceIp, flow.packets, flow.bytes, flow.reversePackets, flow.reverseBytes],
      [
        flow.destinationMac,
        flow.destinationIp,
        flow.reversePackets,
        flow.reverseBytes,
        flow.packets,
        flow.bytes,
      ],
    ];
    for (const [mac, address, packetsOut, bytesOut, packetsIn, bytesIn] of sides) {
      if (mac === undefined) continue;
      const row = station(mac, address);
      row.packetsOut += packetsOut;
      row.bytesOut += bytesOut;
      row.packetsIn += packetsIn;
      row.bytesIn += bytesIn;
      row.packets += packetsOut + packetsIn;
      row.bytes += bytesOut + bytesIn;
      row.byteRate += flow.byteRate;
    }
  }
  return [...stations.values()];
}

/** Connections that were never answered or were refused: a scan's mark. */
const FAILED_STATES = new Set(['S0', 'REJ', 'RSTOS0', 'RSTRH', 'SH', 'SHR']);

export interface HostRow {
  ip: string;
  /** Conversations this address opened (was the source of). */
  flows: number;
  /** Distinct addresses it opened conversations with. */
  peers: number;
  /** Distinct destination ports it opened conversations to. */
  ports: number;
  /** Of the conversations it opened, those unanswered or refused (S0, REJ…). */
  failed: number;
  packetsOut: number;
  bytesOut: number;
  packetsIn: number;
  bytesIn: number;
  packets: number;
  bytes: number;
  byteRate: number;
}

interface HostWork extends HostRow {
  peerSet: Set<string>;
  portSet: Set<number>;
}

/** Per address, on either side of a conversation. */
export function byHost(flows: Iterable<FlowEntry>): HostRow[] {
  const hosts = new Map<string, HostWork>();
  const host = (ip: string) => {
    let row = hosts.get(ip);
    if (row === undefined) {
      row = {
        ip,
        flows: 0,
        peers: 0,
        ports: 0,
        failed: 0,
        packetsOut: 0,
        bytesOut: 0,
        packetsIn: 0,
        bytesIn: 0,
        packets: 0,
        bytes: 0,
        byteRate: 0,
        peerSet: new Set(),
        portSet: new Set(),
      };
      hosts.set(ip, row);
    }
    return row;
  };
  for (const flow of flows) {
    const source = host(flow.sourceIp);
    source.flows++;
    source.peerSet.add(flow.destinationIp);
    if (SERVICE_PORTS.has(flow.protocol) && flow.destinationPort !== undefined)
      source.portSet.add(flow.destinationPort);
    if (flow.state !== undefined && FAILED_STATES.has(flow.state)) source.failed++;
    const destination = host(flow.destinationIp);
    const sides: Array<[HostWork, number, number, number, number]> = [
      [source, flow.packets, flow.bytes, flow.reversePackets, flow.reverseBytes],
      [destination, flow.reversePackets, flow.reverseBytes, flow.packets, flow.bytes],
    ];
    for (const [row, packetsOut, bytesOut, packetsIn, bytesIn] of sides) {
      row.packetsOut += packetsOut;
      row.bytesOut += bytesOut;
      row.packetsIn += packetsIn;
      row.bytesIn += bytesIn;
      row.packets += packetsOut + packetsIn;
      row.bytes += bytesOut + bytesIn;
      row.byteRate += flow.byteRate;
    }
  }
  return [...hosts.values()].map(({ peerSet, portSet, ...row }) => ({
    ...row,
    peers: peerSet.size,
    ports: portSet.size,
  }));
}
