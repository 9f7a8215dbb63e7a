import ipaddr from 'ipaddr.js';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Distinct addresses whose verdict is remembered: spoofed sources could otherwise grow the map without bound. */
const MAX_REMEMBERED = 10_000;

/** `allowed_exporters`: the CIDRs of exporters whose datagrams are read; none accepts every exporter. */
export class ExporterAllowlist {
  private readonly cidrs: Cidr[];
  private readonly verdicts = new Map<string, boolean>();

  constructor(cidrs: readonly string[]) {
    this.cidrs = cidrs.map((cidr) => ipaddr.parseCIDR(cidr));
  }

  get acceptsAll(): boolean {
    return this.cidrs.length === 0;
  }

  /** Whether the exporter may send, remembered per address: every datagram is checked, exporters are few. */
  allows(address: string): boolean {
    if (this.cidrs.length === 0) return true;
    let verdict = this.verdicts.get(address);
    if (verdict === undefined) {
      if (this.verdicts.size >= MAX_REMEMBERED) this.verdicts.clear();
      verdict = this.matches(address);
      this.verdicts.set(address, verdict);
    }
    return verdict;
  }

  private matches(address: string): boolean {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.process(address);
    } catch {
      return false;
    }
    return this.cidrs.some((cidr) => parsed.kind() === cidr[0].kind() && parsed.match(cidr));
  }
}
