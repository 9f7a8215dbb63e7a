import ipaddr from 'ipaddr.js';
import { parseIPv4 } from './ipv4.js';

export type Locality = 'internal' | 'external';
export type Direction = 'inbound' | 'outbound' | 'internal' | 'external';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** The site's own networks (iptrk's "our networks"): they decide locality of each address and flow direction. */
export class LocalNetworks {
  /** IPv4 networks as [network, mask] numbers, compared without parsing objects. */
  private readonly v4: Array<[number, number]> = [];
  private readonly v6: Cidr[] = [];

  constructor(readonly cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const parsed = ipaddr.parseCIDR(cidr);
      if (parsed[0].kind() === 'ipv4') {
        const mask = parsed[1] === 0 ? 0 : (0xffffffff << (32 - parsed[1])) >>> 0;
        this.v4.push([(parseIPv4(parsed[0].toString()) & mask) >>> 0, mask]);
      } else {
        this.v6.push(parsed);
      }
    }
  }

  locality(address: string): Locality {
    const v4 = parseIPv4(address);
    if (v4 >= 0) {
      for (const [network, mask] of this.v4) if ((v4 & mask) >>> 0 === network) return 'internal';
      return 'external';
    }
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.parse(address);
    } catch {
      return 'external';
    }
    if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
      parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    }
    if (parsed.kind() === 'ipv4') return this.locality(parsed.toString());
    for (const cidr of this.v6) {
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
