import { LocalNetworks } from '../schema/locality.js';
import type { FlowSample } from './sample.js';

export interface PolicyRule {
  name: string;
  destination: string;
  port?: number;
  protocol: 'tcp' | 'udp' | 'icmp' | 'any';
  allow_from: string[];
}

function withMask(address: string): string {
  if (address.includes('/')) return address;
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}

/** "Only these networks may reach this destination on this port": compiled once, tested per flow. */
export class AccessPolicy {
  private readonly rules: Array<{
    name: string;
    destination: LocalNetworks;
    allowed: LocalNetworks;
    rule: PolicyRule;
  }>;

  constructor(rules: readonly PolicyRule[]) {
    this.rules = rules.map((rule) => ({
      name: rule.name,
      rule,
      destination: new LocalNetworks([withMask(rule.destination)]),
      allowed: new LocalNetworks(rule.allow_from),
    }));
  }

  /** Names of the rules this flow breaks. */
  violations(flow: FlowSample): string[] {
    const broken: string[] = [];
    for (const { name, rule, destination, allowed } of this.rules) {
      if (rule.protocol !== 'any' && flow.transport !== rule.protocol) continue;
      if (rule.port !== undefined && flow.destinationPort !== rule.port) continue;
      if (destination.locality(flow.destination) !== 'internal') continue;
      if (allowed.locality(flow.source) === 'internal') continue;
      broken.push(name);
    }
    return broken;
  }
}
