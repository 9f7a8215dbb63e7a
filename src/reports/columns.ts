/**
 * What each report's columns mean, for the legend under a table and the README. Bytes and packets are the flow
 * records' own (`network.bytes`/`network.packets`, both directions of a record); a flow is one flow record.
 */
const COMMON: Record<string, string> = {
  ip: 'the address',
  bytes: 'bytes of its flow records',
  packets: 'packets of its flow records',
  flows: 'flow records',
  observer:
    'whose records the figures are: the observer that saw the most of it (or each one with --by-observer)',
};

const TALKERS: Record<string, string> = {
  tcp: 'of the bytes: TCP',
  udp: 'of the bytes: UDP',
  other: 'of the bytes: other transports (ICMP…)',
  in: 'of the bytes: inbound (from outside local_networks in)',
  out: 'of the bytes: outbound',
  internal: 'of the bytes: between local addresses',
  external: 'of the bytes: between addresses outside local_networks',
};

const SCANS: Record<string, string> = {
  destinations: 'distinct destination addresses',
  distinct_ports: 'distinct destination ports, over all destinations',
  max_ports_per_destination: 'most ports tried on one destination',
  failed_share: 'share of its TCP attempts that failed (SYN without ACK, or a reset), 0-1',
  ports: 'up to 20 of the ports tried, ascending',
};

const NOTES: Record<string, Record<string, string>> = {
  'top-senders': { ...TALKERS, bytes: 'bytes it sent' },
  'top-receivers': { ...TALKERS, bytes: 'bytes it received' },
  'host-pairs': {
    a: 'one address (the lower)',
    b: 'the other',
    bytes: 'both directions together',
    a_to_b: 'bytes from a to b',
    b_to_a: 'bytes from b to a',
  },
  'remote-hosts': { sent: 'bytes it sent', received: 'bytes it received' },
  'scans-in': SCANS,
  'scans-out': SCANS,
  'client-server': {
    host: 'the local address',
    role: 'server: it answered on the port; client: it was answered from the port',
    service: 'the well-known service of the port',
    peers: 'distinct addresses on the other side',
  },
  ports: { port: "the server's port: the end that did not open the conversation (none for ICMP…)" },
  'packet-sizes': { size: 'average packet size of the flow record (bytes / packets), in bytes' },
  billing: {
    period: 'start of the period (UTC)',
    external_in: 'bytes received from outside local_networks',
    external_out: 'bytes sent outside',
    internal_in: 'bytes received from local addresses',
    internal_out: 'bytes sent to local addresses',
    external: 'external_in + external_out (what an ISP bills)',
    total: 'all of it',
  },
  interfaces: {
    exporter: 'the exporter (observer.ip)',
    exporter_name: 'its name (observer.name), where known',
    interface: 'the ifIndex the exporter gave',
    name: 'the interface name (options data, SNMP ifName or enrichment.interfaces)',
    alias: 'its alias or description (ifAlias, IE 83)',
    in_bytes: 'bytes of flow records that entered the exporter on it',
    out_bytes: 'bytes of flow records that left the exporter on it',
    in_packets: 'packets that entered on it',
    out_packets: 'packets that left on it',
    flows: 'flow records that entered or left on it (one record can count on two interfaces)',
  },
  stats: { metric: 'what is counted', value: 'its value (a count, a time or a name)' },
};

/** The columns of a report that need words, with them, in the report's column order. */
export function columnNotes(report: string, columns: readonly string[]): Array<[string, string]> {
  const notes = { ...COMMON, ...NOTES[report] };
  return columns.filter((c) => notes[c] !== undefined).map((c) => [c, notes[c]]);
}

/** The legend printed under a report's table. */
export function legend(report: string, columns: readonly string[]): string {
  const notes = columnNotes(report, columns);
  const width = Math.max(...notes.map(([c]) => c.length));
  return notes.map(([c, text]) => `  ${c.padEnd(width)}  ${text}`).join('\n');
}
