/**
 * The pending buffer: data sets that came before their template wait here, per exporter, a bounded number for a
 * bounded time, and are decoded as if on time once the template arrives.
 */
import type { ExporterState, PendingSet } from './exporter-state.js';
import type { MessageContext } from './message.js';
import { readRecords } from './records.js';
import type { DecoderSettings } from './settings.js';
import type { PacketInfo } from './types.js';

/** Drops the exporter's buffered sets older than `ttlMs` at `now`. */
export function expirePending(state: ExporterState, now: number, ttlMs: number): void {
  while (state.pending.length > 0 && now - state.pending[0].receivedAt > ttlMs) {
    state.pending.shift();
    state.stats.expired++;
  }
}

/** Keeps a set whose template is unknown, pushing out the oldest when the exporter has too many. */
export function bufferSet(state: ExporterState, set: PendingSet, settings: DecoderSettings): void {
  expirePending(state, set.receivedAt, settings.pendingTtlMs);
  if (settings.maxPending <= 0) {
    state.stats.expired++;
    return;
  }
  const pending = state.pending;
  if (pending.length >= settings.maxPending) {
    pending.shift();
    state.stats.expired++;
  }
  pending.push(set);
  state.stats.buffered++;
}

/** Decodes the sets of the message's domain that waited for template `templateId`, which just arrived. */
export function replayPending(ctx: MessageContext, templateId: number): void {
  const { state, domain, settings } = ctx;
  const pending = state.pending;
  for (let i = 0; i < pending.length; i++) {
    const set = pending[i];
    if (set.domainKey !== domain.key || set.templateId !== templateId) continue;
    pending.splice(i--, 1);
    const entry = domain.templates.get(templateId);
    if (!entry) return;
    if (ctx.packet.receivedAt - set.receivedAt > settings.pendingTtlMs) {
      state.stats.expired++;
      continue;
    }
    const packet: PacketInfo = {
      exporter: state.address,
      port: state.port,
      version: set.version,
      domainId: set.domainId,
      sequence: set.sequence,
      exportTime: set.exportTime,
      sysUptime: set.sysUptime,
      receivedAt: set.receivedAt,
      domain,
    };
    const override = settings.overrides.get(state.address);
    readRecords(
      entry.template,
      set.data,
      0,
      set.data.length,
      packet,
      set.firstIndex,
      ctx.out,
      state,
      domain,
      override,
    );
    state.stats.bufferedDecoded++;
  }
}
