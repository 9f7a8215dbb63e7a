import ipaddr from 'ipaddr.js';
import { writeAddress } from './ip.js';
import { parseIPv4 } from './ipv4.js';

export type Locality = 'internal' | 'external';
export type Direction = 'inbound' | 'outbound' | 'internal' | 'external';

interface V6Network {
  bytes: Uint8Array;
  prefix: number;
}

/** Where `locality` writes the address it classifies; classifying never re-enters. */
const scratch = new Uint8Array(16);

function isIPv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function inNetwork(bytes: Uint8Array, network: V6Network): boolean {
  const whole = network.prefix >>> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== network.bytes[i]) return false;
  const rest = network.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[whole] & mask) === (network.bytes[whole] & mask);
}

/** The site's own networks (iptrk's "our networks"): they decide locality of each address and flow direction. */
export class LocalNetworks {
  /** IPv4 networks as [network, mask] numbers, compared without parsing objects. */
  private readonly v4: Array<[number, number]> = [];
  private readonly v6: V6Network[] = [];

  constructor(readonly cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [address, prefix] = ipaddr.parseCIDR(cidr);
      if (address.kind() === 'ipv4') {
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        this.v4.push([(parseIPv4(address.toString()) & mask) >>> 0, mask]);
      } else {
        this.v6.push({ bytes: Uint8Array.from(address.toByteArray()), prefix });
      }
    }
  }

  /** The networks as `locality` compares them: IPv4 as [network, mask] pairs, IPv6 as bytes and prefix length. */
  get ranges(): { v4: ReadonlyArray<readonly [number, number]>; v6: ReadonlyArray<Readonly<V6Network>> } {
    return { v4: this.v4, v6: this.v6 };
  }

  locality(address: string): Locality {
    const v4 = parseIPv4(address);
    if (v4 >= 0) return this.v4Locality(v4);
    const length = writeAddress(address, scratch, 0);
    if (length === 4 || (length === 16 && isIPv4Mapped(scratch))) {
      const at = length - 4;
      return this.v4Locality(
        ((scratch[at] << 24) | (scratch[at + 1] << 16) | (scratch[at + 2] << 8) | scratch[at + 3]) >>> 0,
      );
    }
    if (length === 16) {
      for (const network of this.v6) if (inNetwork(scratch, network)) return 'internal';
    }
    return 'external';
  }

  private v4Locality(address: number): Locality {
    for (const [network, mask] of this.v4) if ((address & mask) >>> 0 === network) return 'internal';
    return 'external';
  }

  /** ECS network.direction seen from the site: traffic entering it, leaving it, staying inside, or passing by. */
  direction(source: Locality, destination: Locality): Direction {
    if (source === 'internal') return destination === 'internal' ? 'internal' : 'outbound';
    return destination === 'internal' ? 'inbound' : 'external';
  }
}
