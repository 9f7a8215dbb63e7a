/**
 * The pending buffer: data sets that came before their template wait here, per exporter, a bounded number for a
 * bounded time and within a bound of bytes over all exporters, and are decoded as if on time once the template
 * arrives.
 */
import type { ExporterState, PendingSet } from './exporter-state.js';
import type { MessageContext } from './message.js';
import { readRecords } from './records.js';
import type { DecoderSettings } from './settings.js';
import type { PacketInfo } from './types.js';

/** Drops the exporter's buffered sets older than `ttlMs` at `now`. */
export function expirePending(state: ExporterState, now: number, ttlMs: number): void {
  while (state.pending.length > 0 && now - state.pending[0].receivedAt > ttlMs) {
    dropOldest(state);
    state.stats.expired++;
  }
}

function dropOldest(state: ExporterState): void {
  const set = state.pending.shift();
  if (set) forget(state, set);
}

function forget(state: ExporterState, set: PendingSet): void {
  state.pendingBytes -= set.data.length;
  state.budget.pendingBytes -= set.data.length;
}

/**
 * Keeps a set whose template is unknown, pushing out the exporter's oldest when it has too many, or when all
 * exporters' sets fill the bytes allowed; when the exporter's own cannot make room, the set is dropped (counted).
 */
export function bufferSet(state: ExporterState, set: PendingSet, settings: DecoderSettings): void {
  expirePending(state, set.receivedAt, settings.pendingTtlMs);
  if (settings.maxPending <= 0) {
    state.stats.expired++;
    return;
  }
  const pending = state.pending;
  const { budget } = state;
  if (pending.length >= settings.maxPending) {
    dropOldest(state);
    state.stats.expired++;
  }
  const size = set.data.length;
  if (budget.pendingBytes + size > settings.maxPendingBytes) {
    budget.hits.pending_bytes++;
    while (pending.length > 0 && budget.pendingBytes + size > settings.maxPendingBytes) {
      dropOldest(state);
      state.stats.expired++;
    }
    if (budget.pendingBytes + size > settings.maxPendingBytes) {
      state.stats.expired++;
      return;
    }
  }
  pending.push(set);
  state.pendingBytes += size;
  budget.pendingBytes += size;
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
    forget(state, set);
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
