import { type DecoderBudget, type LimitName, templateCost } from './budget.js';
import type { ExporterStats } from './exporter-stats.js';
import { emptyStats } from './exporter-stats.js';
import type { DecoderSettings } from './settings.js';
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

/** What options data says about one interface or application (see `option-names.ts`). */
export interface OptionName {
  readonly name?: string;
  readonly description?: string;
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
  /** Interface names by ifIndex, and application names by applicationId, from options data (`option-names.ts`). */
  readonly interfaces = new Map<number, OptionName>();
  readonly applications = new Map<string, OptionName>();
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

  /** Holds nothing an exporter would not send again with its next packet: losing it costs nothing. */
  get disposable(): boolean {
    return (
      this.templates.size === 0 &&
      this.samplerRates.size === 0 &&
      this.systemInitMs < 0 &&
      this.interfaces.size === 0 &&
      this.applications.size === 0
    );
  }
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
  /** Templates over all domains, for the per-exporter cap, and their estimated heap bytes. */
  templateCount = 0;
  templateBytes = 0;
  /** Bytes of the data sets in `pending`. */
  pendingBytes = 0;
  /** Estimated heap bytes of its domains' interface and application names. */
  optionNameBytes = 0;
  /** When its last datagram arrived. */
  lastSeen = 0;
  /** Has had flow or options records decoded with its templates (in this run or the one it was restored from). */
  proven = false;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly settings: DecoderSettings,
    readonly budget: DecoderBudget,
  ) {}

  /**
   * The domain, made when new within the bounds: when the exporter has as many as allowed, or all exporters
   * have, a domain that holds nothing worth keeping makes room; otherwise undefined (counted).
   */
  domain(version: number, id: number): DomainState | undefined {
    // v9 and IPFIX from one exporter may share a numeric domain id but never their templates.
    const key = version * 4294967296 + id;
    let domain = this.domains.get(key);
    if (domain) return domain;
    const { settings, budget } = this;
    const full: LimitName | undefined =
      this.domains.size >= settings.maxDomainsPerExporter
        ? 'domains_per_exporter'
        : budget.domains >= settings.maxDomains
          ? 'domains'
          : undefined;
    if (full) {
      budget.hits[full]++;
      if (!this.dropDisposableDomain()) {
        this.stats.domainsRejected++;
        return undefined;
      }
    }
    domain = new DomainState(key, version, id);
    this.domains.set(key, domain);
    budget.domains++;
    return domain;
  }

  private dropDisposableDomain(): boolean {
    for (const [key, domain] of this.domains) {
      if (!domain.disposable) continue;
      this.domains.delete(key);
      this.budget.domains--;
      return true;
    }
    return false;
  }

  /**
   * Which bound keeps a template of `fieldCount` fields from being learnt as `id` of `domain`, if any (counted);
   * an announcement that replaces a template of the same id frees what that one held.
   */
  refusesTemplate(domain: DomainState, id: number, fieldCount: number): LimitName | undefined {
    const { settings, budget } = this;
    const existing = domain.templates.get(id);
    const freed = existing ? templateCost(existing.template.fields.length) : 0;
    let refused: LimitName | undefined;
    if (fieldCount > settings.maxTemplateFields) refused = 'template_fields';
    else if (!existing && this.templateCount >= settings.maxTemplates) refused = 'templates_per_exporter';
    else if (!existing && domain.templates.size >= settings.maxTemplatesPerDomain)
      refused = 'templates_per_domain';
    else if (budget.templateBytes - freed + templateCost(fieldCount) > settings.maxTemplateBytes)
      refused = 'template_bytes';
    if (refused) {
      budget.hits[refused]++;
      this.stats.templatesRejected++;
    }
    return refused;
  }

  putTemplate(domain: DomainState, entry: TemplateEntry): void {
    this.dropTemplate(domain, entry.template.id);
    const cost = templateCost(entry.template.fields.length);
    domain.templates.set(entry.template.id, entry);
    this.templateCount++;
    this.templateBytes += cost;
    this.budget.templateBytes += cost;
  }

  /** Forgets template `id` of `domain`; false when it did not have it. */
  dropTemplate(domain: DomainState, id: number): boolean {
    const entry = domain.templates.get(id);
    if (!entry) return false;
    const cost = templateCost(entry.template.fields.length);
    domain.templates.delete(id);
    this.templateCount--;
    this.templateBytes -= cost;
    this.budget.templateBytes -= cost;
    return true;
  }

  /** Gives back what the exporter held of the shared bounds, when it is forgotten. */
  release(): void {
    this.budget.templateBytes -= this.templateBytes;
    this.budget.pendingBytes -= this.pendingBytes;
    this.budget.domains -= this.domains.size;
    this.budget.optionNameBytes -= this.optionNameBytes;
    this.optionNameBytes = 0;
    this.templateBytes = 0;
    this.pendingBytes = 0;
    this.templateCount = 0;
    this.domains.clear();
    this.pending.length = 0;
  }
}
