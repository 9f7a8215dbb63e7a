import { ExporterState } from './exporter-state.js';
import type { ExporterStats } from './exporter-stats.js';
import { decodeIpfix } from './ipfix.js';
import { decodeLegacy, LEGACY_FORMATS } from './legacy.js';
import { expirePending } from './pending.js';
import { type DecoderOptions, type DecoderSettings, decoderSettings } from './settings.js';
import { type DecoderSnapshot, restoreSnapshot, snapshotOf } from './snapshot.js';
import type { DecodedRecord, DecodeErrorKind, DecodeResult } from './types.js';
import { decodeV9 } from './v9.js';

/**
 * NetFlow v1/v5/v7/v9 and IPFIX decoder: hands each datagram to its version's decoder (`legacy.ts`, `v9.ts`,
 * `ipfix.ts`) with the exporter's state (template cache, sampling and sequence state), which it keeps per exporter.
 * `decode` never throws on packet content: problems are counted per exporter and reported in the result.
 */
export class NetflowDecoder {
  private readonly exporters = new Map<string, ExporterState>();
  private readonly settings: DecoderSettings;
  /** Packets refused because `maxExporters` was reached. */
  rejectedExporterPackets = 0;

  constructor(options: DecoderOptions = {}) {
    this.settings = decoderSettings(options);
  }

  decode(data: Buffer, exporter: string, port: number, receivedAt: number = Date.now()): DecodeResult {
    const key = `${exporter}:${port}`;
    let state = this.exporters.get(key);
    if (!state) {
      if (this.exporters.size >= this.settings.maxExporters) {
        this.rejectedExporterPackets++;
        return { records: [], error: 'exporter-limit' };
      }
      state = new ExporterState(exporter, port);
      this.exporters.set(key, state);
    }
    state.stats.packets++;
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
    return error ? { records: out, error } : { records: out };
  }

  /** Forgets templates and buffered sets older than their time to live; call it now and then. */
  expire(now: number = Date.now()): void {
    for (const state of this.exporters.values()) {
      for (const domain of state.domains.values()) {
        for (const [id, entry] of domain.templates) {
          if (now - entry.updatedAt > this.settings.templateTtlMs) {
            domain.templates.delete(id);
            state.templateCount--;
            state.stats.templatesExpired++;
          }
        }
      }
      expirePending(state, now, this.settings.pendingTtlMs);
    }
  }

  /** Counters per exporter, keyed `ip:port`. */
  stats(): Record<string, ExporterStats> {
    const result: Record<string, ExporterStats> = {};
    for (const [key, state] of this.exporters) result[key] = { ...state.stats };
    return result;
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
    restoreSnapshot(this.exporters, snapshot, this.settings, now);
  }
}
