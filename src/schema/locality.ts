import ipaddr from 'ipaddr.js';

export type Locality = 'internal' | 'external';
export type Direction = 'inbound' | 'outbound' | 'internal' | 'external';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** The site's own networks (iptrk's "our networks"): they decide locality of each address and flow direction. */
export class LocalNetworks {
  private readonly v4: Cidr[] = [];
  private readonly v6: Cidr[] = [];

  constructor(readonly cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const parsed = ipaddr.parseCIDR(cidr);
      (parsed[0].kind() === 'ipv4' ? this.v4 : this.v6).push(parsed);
    }
  }

  locality(address: string): Locality {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.parse(address);
    } catch {
      return 'external';
    }
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
      parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    }
    const list = parsed.kind() === 'ipv4' ? this.v4 : this.v6;
    for (const cidr of list) {
      if (parsed.match(cidr)) return 'internal';
    }
    return 'external';
  }

  /** ECS network.direction seen from the site: traffic entering it, leaving it, staying inside, or passing by. */
  direction(source: Locality, destination: Locality): Direction {
    if (source === 'internal') return destination === 'internal' ? 'internal' : 'outbound';
    return destination === 'internal' ? 'inbound' : 'external';
  }
}
