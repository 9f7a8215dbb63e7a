import type { ExporterStats } from './exporter-stats.js';
import { emptyStats } from './exporter-stats.js';
import type { CompiledTemplate } from './template.js';

/** A data set kept until its template arrives. */
export interface PendingSet {
  domainKey: number;
  templateId: number;
  data: Buffer;
  /** Header fields of the packet it came in, so records decode as if on time. */
  version: number;
  domainId: number;
  sequence: number;
  exportTime: number;
  sysUptime: number;
  receivedAt: number;
  /** Index the set's first record would have had in its packet. */
  firstIndex: number;
}

export interface TemplateEntry {
  template: CompiledTemplate;
  updatedAt: number;
}

/** State of one observation domain (v9 source id / IPFIX ODID / v5 engine) of one exporter. */
export class DomainState {
  readonly templates = new Map<number, TemplateEntry>();
  /** Sampling rate announced without a sampler id (v5 header, options without scope, inline fields). */
  defaultRate = 0;
  /** Sampling rate per sampler / selector id, from options data. */
  readonly samplerRates = new Map<number, number>();
  /** systemInitTimeMilliseconds from options data: IPFIX's base for sysUpTime-relative timestamps. */
  systemInitMs = -1;
  lastSequence = -1;
  /** The sequence number the next packet should carry, -1 until one is seen. */
  expectedSequence = -1;
  /** Also accepted: exporters that leave options records out of the IPFIX record count. */
  alternativeSequence = -1;

  constructor(
    readonly key: number,
    readonly version: number,
    readonly id: number,
  ) {}
}

/** Largest forward jump still read as loss rather than an exporter restart. */
const MAX_SEQUENCE_GAP = 1_000_000;
/** Backward steps up to this size are reordering; larger ones a restart. */
const MAX_REORDER = 1_000;

/**
 * Checks `sequence` against what the domain expected. `increment` is what this packet adds to the counter:
 * 1 for v9 (packets), the record count for v5/v7 and IPFIX (whose counter excludes the current message).
 */
export function trackSequence(
  domain: DomainState,
  stats: ExporterStats,
  sequence: number,
  increment: number,
  alternativeIncrement = increment,
): void {
  const expected = domain.expectedSequence;
  const last = domain.lastSequence;
  // softflowd's IPFIX counter already includes the message's own (non-options) records: accept that too.
  const inclusive =
    last >= 0 && ((sequence - increment) >>> 0 === last || (sequence - alternativeIncrement) >>> 0 === last);
  if (expected >= 0 && sequence !== expected && sequence !== domain.alternativeSequence && !inclusive) {
    const delta = ((sequence - expected) | 0) as number;
    if (delta > 0 && delta <= MAX_SEQUENCE_GAP) {
      if (domain.version === 9) stats.lostPackets += delta;
      else stats.lostRecords += delta;
    } else if (delta < 0 && delta >= -MAX_REORDER) {
      stats.outOfOrder++;
      return;
    } else {
      stats.sequenceResets++;
    }
  }
  domain.lastSequence = sequence;
  domain.expectedSequence = (sequence + increment) >>> 0;
  domain.alternativeSequence = (sequence + alternativeIncrement) >>> 0;
}

export class ExporterState {
  readonly stats: ExporterStats = emptyStats();
  readonly domains = new Map<number, DomainState>();
  readonly pending: PendingSet[] = [];
  /** Templates over all domains, for the per-exporter cap. */
  templateCount = 0;

  constructor(
    readonly address: string,
    readonly port: number,
  ) {}

  domain(version: number, id: number): DomainState {
    // v9 and IPFIX from one exporter may share a numeric domain id but never their templates.
    const key = version * 4294967296 + id;
    let domain = this.domains.get(key);
    if (!domain) {
      domain = new DomainState(key, version, id);
      this.domains.set(key, domain);
    }
    return domain;
  }
}
