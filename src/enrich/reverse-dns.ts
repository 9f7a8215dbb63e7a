import { promises as dns } from 'node:dns';
import { jsonString } from '../schema/json.js';
import { RecentCache } from './recent-cache.js';
import type { Additions, Enricher, EnrichSubject } from './types.js';

/** An address's name as the cache keeps it: `members` is `,"domain":"…"`, or '' when it has none. */
interface Entry {
  members: string;
  expiresAt: number;
}

export interface ReverseDnsOptions {
  cacheSize: number;
  /** How long a name is kept, and how long an address that has none (or whose lookup failed) is not asked again. */
  ttlMs: number;
  negativeTtlMs: number;
  /** Lookups under way at once; addresses seen while this many are pending are asked about on a later flow. */
  maxPending: number;
  timeoutMs: number;
  /** DNS servers to ask (`host` or `host:port`); the system's resolvers when empty. */
  servers: readonly string[];
  /** The lookup itself: the system's resolver (tests hand their own). */
  reverse?: (address: string) => Promise<string[]>;
}

/** How often the cache's clock is read: an expiry a second late does no harm, a clock read per flow costs. */
const CLOCK_TICK_MS = 1000;

/**
 * `source.domain` and `destination.domain` from PTR records, never waited for: a flow whose address has no
 * answer yet goes without a name and starts the lookup, and the answer (or the lack of one) is kept for the
 * flows after it. Bounded by the cache size and by `maxPending` lookups at once.
 */
export class ReverseDnsEnricher implements Enricher {
  readonly name = 'reverse_dns';
  private readonly cache: RecentCache<string, Entry>;
  private readonly pending = new Set<string>();
  private readonly reverse: (address: string) => Promise<string[]>;
  private now = Date.now();
  private readonly clock: NodeJS.Timeout;
  private closed = false;
  /** Lookups answered with a name, with none, and not started because too many were pending. */
  readonly counts = { named: 0, unnamed: 0, deferred: 0 };

  constructor(private readonly options: ReverseDnsOptions) {
    this.cache = new RecentCache(options.cacheSize);
    if (options.reverse) this.reverse = options.reverse;
    else {
      const resolver = new dns.Resolver({ timeout: options.timeoutMs, tries: 1 });
      if (options.servers.length > 0) resolver.setServers([...options.servers]);
      this.reverse = (address) => resolver.reverse(address);
    }
    this.clock = setInterval(() => {
      this.now = Date.now();
    }, CLOCK_TICK_MS);
    this.clock.unref();
  }

  enrich(subject: EnrichSubject, add: Additions): void {
    if (subject.sourceDomain === undefined) this.endpoint(subject.sourceIp, 'source', add);
    // A destination named by the client (SNI) keeps that name.
    if (subject.destinationDomain === undefined && subject.tlsServerName === undefined) {
      this.endpoint(subject.destinationIp, 'destination', add);
    }
  }

  /** Resolves once no lookup is pending (tests, and an orderly stop). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.clock);
  }

  private endpoint(address: string | undefined, object: string, add: Additions): void {
    if (address === undefined) return;
    const entry = this.cache.get(address);
    if (entry !== undefined) {
      if (entry.members.length > 0) add.addMembers(object, entry.members);
      if (entry.expiresAt > this.now) return;
    }
    this.lookUp(address);
  }

  private lookUp(address: string): void {
    if (this.closed || this.pending.has(address)) return;
    if (this.pending.size >= this.options.maxPending) {
      this.counts.deferred++;
      return;
    }
    this.pending.add(address);
    this.reverse(address).then(
      (names) => {
        const name = names.find((n) => n.length > 0)?.replace(/\.$/, '');
        if (name === undefined) this.remember(address, '');
        else this.remember(address, `,"domain":${jsonString(name)}`);
      },
      () => this.remember(address, ''),
    );
  }

  private remember(address: string, members: string): void {
    this.pending.delete(address);
    if (members.length > 0) this.counts.named++;
    else this.counts.unnamed++;
    const ttl = members.length > 0 ? this.options.ttlMs : this.options.negativeTtlMs;
    this.cache.set(address, { members, expiresAt: Date.now() + ttl });
  }
}
