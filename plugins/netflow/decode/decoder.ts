import { DecoderBudget, type LimitHits } from './budget.js';
import { ExporterState } from './exporter-state.js';
import { addStats, type ExporterStats, emptyStats } from './exporter-stats.js';
import { decodeIpfix } from './ipfix.js';
import { decodeLegacy, LEGACY_FORMATS } from './legacy.js';
import { expirePending } from './pending.js';
import { type DecoderOptions, type DecoderSettings, decoderSettings } from './settings.js';
import { type DecoderSnapshot, restoreSnapshot, snapshotOf } from './snapshot.js';
import type { DecodedRecord, DecodeErrorKind, DecodeResult } from './types.js';
import { decodeV9 } from './v9.js';

/** What the bounded state holds now. */
export interface DecoderUsage {
  exporters: number;
  domains: number;
  /** Estimated heap bytes of the templates (see `templateCost`). */
  templateBytes: number;
  pendingBytes: number;
  /** Estimated heap bytes of the interface and application names learnt from options data. */
  optionNameBytes: number;
}

/** The label under which exporters beyond `maxExporterSeries`, and forgotten ones, are counted together. */
export const OTHER_EXPORTERS = 'other';

/** A slot holder's place in the eviction order is refreshed at most this often, not on every datagram. */
const REORDER_MS = 1000;

/**
 * NetFlow v1/v5/v7/v9 and IPFIX decoder: hands each datagram to its version's decoder (`legacy.ts`, `v9.ts`,
 * `ipfix.ts`) with the exporter's state (template cache, sampling and sequence state), which it keeps per exporter.
 * `decode` never throws on packet content: problems are counted per exporter and reported in the result.
 * Everything it keeps is bounded (`DecoderSettings`); each bound hit is counted in `limitHits`.
 */
export class NetflowDecoder {
  private readonly exporters = new Map<string, ExporterState>();
  /**
   * Exporters that give up their slot to a new one when the table is full, least recently seen first: those that
   * hold no template, or whose templates never decoded a record. A flood of spoofed sources then only displaces
   * its own kind, while exporters whose templates are in use keep theirs.
   */
  private readonly evictable = new Map<string, ExporterState>();
  private readonly reorderedAt = new Map<string, number>();
  private readonly settings: DecoderSettings;
  private readonly budget = new DecoderBudget();
  /** Counters of exporters forgotten (idle or displaced), so that totals never go down. */
  private readonly forgotten: ExporterStats = emptyStats();
  /** Packets refused because `maxExporters` was reached and no exporter could give up its slot. */
  rejectedExporterPackets = 0;
  /** Exporters forgotten to make room for a new one. */
  evictedExporters = 0;

  constructor(options: DecoderOptions = {}) {
    this.settings = decoderSettings(options);
  }

  decode(data: Buffer, exporter: string, port: number, receivedAt: number = Date.now()): DecodeResult {
    const key = `${exporter}:${port}`;
    const state = this.exporters.get(key) ?? this.admit(key, exporter, port);
    if (!state) {
      this.rejectedExporterPackets++;
      return { records: [], error: 'exporter-limit' };
    }
    state.stats.packets++;
    if (receivedAt > state.lastSeen) state.lastSeen = receivedAt;
    const out: DecodedRecord[] = [];
    let error: DecodeErrorKind | undefined;
    if (data.length < 4) {
      error = 'truncated';
    } else {
      const version = (data[0] << 8) | data[1];
      if (version === 9) error = decodeV9(data, state, receivedAt, out, this.settings);
      else if (version === 10) error = decodeIpfix(data, state, receivedAt, out, this.settings);
      else if (LEGACY_FORMATS[version])
        error = decodeLegacy(data, version, state, receivedAt, out, this.settings);
      else error = 'unsupported-version';
    }
    if (error) state.stats.malformed++;
    this.place(key, state, receivedAt);
    return error ? { records: out, error } : { records: out };
  }

  /** A slot for a new exporter, made by forgetting the least recently seen evictable one when the table is full. */
  private admit(key: string, address: string, port: number): ExporterState | undefined {
    if (this.exporters.size >= this.settings.maxExporters) {
      this.budget.hits.exporters++;
      const oldest = this.evictable.keys().next();
      if (oldest.done) return undefined;
      this.forget(oldest.value);
      this.evictedExporters++;
    }
    const state = new ExporterState(address, port, this.settings, this.budget);
    this.exporters.set(key, state);
    return state;
  }

  /**
   * Keeps `evictable` up to date with what the exporter now holds and, when `seen`, moves it behind the others as
   * the most recently seen.
   */
  private place(key: string, state: ExporterState, now: number, seen = true): void {
    if (!state.proven && state.stats.records + state.stats.optionsRecords > 0 && state.templateCount > 0)
      state.proven = true;
    if (state.templateCount > 0 && state.proven) {
      if (this.evictable.delete(key)) this.reorderedAt.delete(key);
      return;
    }
    const reordered = this.reorderedAt.get(key);
    if (reordered !== undefined && (!seen || now - reordered < REORDER_MS)) return;
    this.evictable.delete(key);
    this.evictable.set(key, state);
    this.reorderedAt.set(key, now);
  }

  private forget(key: string): void {
    const state = this.exporters.get(key);
    if (!state) return;
    state.release();
    addStats(this.forgotten, state.stats);
    this.exporters.delete(key);
    this.evictable.delete(key);
    this.reorderedAt.delete(key);
  }

  /**
   * Forgets templates and buffered sets older than their time to live, and exporters left with no template
   * that have been silent for `exporterIdleMs`; call it now and then.
   */
  expire(now: number = Date.now()): void {
    for (const [key, state] of this.exporters) {
      for (const domain of state.domains.values()) {
        for (const [id, entry] of domain.templates) {
          if (now - entry.updatedAt > this.settings.templateTtlMs) {
            state.dropTemplate(domain, id);
            state.stats.templatesExpired++;
          }
        }
      }
      expirePending(state, now, this.settings.pendingTtlMs);
      if (state.templateCount === 0 && now - state.lastSeen > this.settings.exporterIdleMs) this.forget(key);
      else this.place(key, state, now, false);
    }
  }

  /**
   * Counters per exporter, keyed `ip:port`: the `maxExporterSeries` with the most packets by name, the others and
   * the forgotten ones summed under `OTHER_EXPORTERS`.
   */
  stats(): Record<string, ExporterStats> {
    const max = this.settings.maxExporterSeries;
    const result: Record<string, ExporterStats> = {};
    if (this.exporters.size <= max) {
      for (const [key, state] of this.exporters) result[key] = { ...state.stats };
      if (this.forgotten.packets > 0) result[OTHER_EXPORTERS] = { ...this.forgotten };
      return result;
    }
    // Pushed every 100 ms while datagrams flow, so with a full table it must stay cheap: one pass, no sort.
    const top: ExporterState[] = [];
    const other = { ...this.forgotten };
    for (const state of this.exporters.values()) {
      addStats(other, state.stats);
      const packets = state.stats.packets;
      if (top.length === max && packets <= top[max - 1].stats.packets) continue;
      let i = top.length < max ? top.length : max - 1;
      while (i > 0 && top[i - 1].stats.packets < packets) i--;
      top.splice(i, 0, state);
      if (top.length > max) top.pop();
    }
    for (const state of top) {
      result[`${state.address}:${state.port}`] = { ...state.stats };
      addStats(other, state.stats, -1);
    }
    result[OTHER_EXPORTERS] = other;
    return result;
  }

  /** How often each bound was hit. */
  limitHits(): LimitHits {
    return { ...this.budget.hits };
  }

  usage(): DecoderUsage {
    const { domains, templateBytes, pendingBytes, optionNameBytes } = this.budget;
    return { exporters: this.exporters.size, domains, templateBytes, pendingBytes, optionNameBytes };
  }

  /** Templates held now, over all exporters (for tests and metrics). */
  templateCount(): number {
    let count = 0;
    for (const state of this.exporters.values()) count += state.templateCount;
    return count;
  }

  pendingCount(): number {
    let count = 0;
    for (const state of this.exporters.values()) count += state.pending.length;
    return count;
  }

  snapshot(): DecoderSnapshot {
    return snapshotOf(this.exporters.values());
  }

  /** Loads a snapshot (e.g. read back from JSON at start-up); templates older than the TTL are skipped. */
  restore(snapshot: DecoderSnapshot, now: number = Date.now()): void {
    restoreSnapshot(this.exporters, snapshot, this.settings, this.budget, now);
    for (const [key, state] of this.exporters) {
      if (state.lastSeen === 0) state.lastSeen = now;
      this.place(key, state, now);
    }
  }
}
