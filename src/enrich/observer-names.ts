import { promises as dns } from 'node:dns';

/** Looks up the names of an address (PTR records). */
export type ReverseLookup = (ip: string) => Promise<string[]>;

export interface ObserverNamesOptions {
  /** Exporter address -> name, from `enrichment.observers.names`. */
  names?: Record<string, string>;
  /** Names exporters not in `names` by their address's PTR record. */
  reverseDns?: boolean;
  /** How long an answer (or the lack of one) is kept. */
  ttlMs?: number;
  /** Addresses whose answers are kept; beyond it the oldest answer is forgotten. */
  maxEntries?: number;
  lookup?: ReverseLookup;
}

interface Answer {
  name: string | undefined;
  expires: number;
}

const DEFAULT_TTL_MS = 3_600_000;
const DEFAULT_MAX_ENTRIES = 10_000;
/** Lookups in flight at once: a flood of spoofed exporter addresses must not flood the resolver. */
const MAX_IN_FLIGHT = 64;

/**
 * `observer.name` of an exporter: configured, or its reverse DNS name. A lookup never holds up a flow: the flows
 * of an exporter whose name is being looked up go without it, those after the answer carry it.
 */
export class ObserverNames {
  private readonly names: Map<string, string>;
  private readonly answers = new Map<string, Answer>();
  private readonly inFlight = new Set<string>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly lookup: ReverseLookup | undefined;
  private readonly now: () => number;
  /** Lookups that failed or found no name, for the logs and tests. */
  failures = 0;

  constructor(options: ObserverNamesOptions = {}, now: () => number = Date.now) {
    this.names = new Map(Object.entries(options.names ?? {}));
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.lookup = options.reverseDns ? (options.lookup ?? ((ip) => dns.reverse(ip))) : undefined;
    this.now = now;
  }

  get empty(): boolean {
    return this.names.size === 0 && this.lookup === undefined;
  }

  /** The exporter's name as known now; starts a lookup when it is not known and may be. */
  nameOf(ip: string): string | undefined {
    const configured = this.names.get(ip);
    if (configured !== undefined || this.lookup === undefined) return configured;
    const answer = this.answers.get(ip);
    if (answer !== undefined && answer.expires > this.now()) return answer.name;
    this.resolve(ip, answer?.name);
    return answer?.name;
  }

  private resolve(ip: string, previous: string | undefined): void {
    const lookup = this.lookup;
    if (lookup === undefined || this.inFlight.has(ip) || this.inFlight.size >= MAX_IN_FLIGHT) return;
    this.inFlight.add(ip);
    lookup(ip).then(
      (names) => this.remember(ip, names[0] ?? previous),
      () => {
        this.failures++;
        this.remember(ip, previous);
      },
    );
  }

  private remember(ip: string, name: string | undefined): void {
    this.inFlight.delete(ip);
    this.answers.delete(ip);
    if (this.answers.size >= this.maxEntries) {
      const oldest = this.answers.keys().next();
      if (!oldest.done) this.answers.delete(oldest.value);
    }
    this.answers.set(ip, { name: name?.replace(/\.$/, ''), expires: this.now() + this.ttlMs });
  }
}
