import { execFileSync } from 'node:child_process';

/** One flow record as Wireshark's cflow dissector reads it. */
export interface TsharkFlow {
  sourceIp: string;
  destinationIp: string;
  /** Absent for records without ports (ICMP in IPFIX). */
  sourcePort?: number;
  destinationPort?: number;
  /** Absent when the record does not carry the element (NAT events carry no counters). */
  protocol?: number;
  bytes?: number;
  packets?: number;
}

type Tree = Record<string, unknown>;

function collect(node: unknown, into: TsharkFlow[]): void {
  if (Array.isArray(node)) {
    for (const child of node) collect(child, into);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const tree = node as Tree;
  // Biflow records repeat element names (forward, then reverse); `--no-duplicate-keys` makes those arrays.
  const first = (name: string) => (Array.isArray(tree[name]) ? (tree[name] as unknown[])[0] : tree[name]);
  const source = first('cflow.srcaddr') ?? first('cflow.srcaddrv6');
  if (typeof source === 'string') {
    const number = (name: string) => {
      const value = first(name);
      return typeof value === 'string' ? Number(value) : undefined;
    };
    into.push({
      sourceIp: source,
      destinationIp: String(first('cflow.dstaddr') ?? first('cflow.dstaddrv6')),
      sourcePort: number('cflow.srcport'),
      destinationPort: number('cflow.dstport'),
      protocol: number('cflow.protocol'),
      bytes: number('cflow.octets'),
      packets: number('cflow.packets'),
    });
    return;
  }
  for (const child of Object.values(tree)) collect(child, into);
}

/**
 * Every flow record tshark decodes in `pcap`, in capture order, with the given UDP ports read as NetFlow/IPFIX.
 * Throws when tshark is not installed: the comparison is a requirement, not an optional extra.
 */
export function tsharkFlows(pcap: string, ports: number[]): TsharkFlow[] {
  const args = ['-r', pcap, '-T', 'json', '--no-duplicate-keys', '-J', 'cflow'];
  for (const port of ports) args.push('-d', `udp.port==${port},cflow`);
  const json = execFileSync('tshark', args, {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const flows: TsharkFlow[] = [];
  for (const packet of JSON.parse(json) as Array<{ _source: { layers: Tree } }>) {
    collect(packet._source.layers.cflow, flows);
  }
  return flows;
}
