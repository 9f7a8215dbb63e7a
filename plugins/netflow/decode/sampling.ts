import type { DomainState } from './exporter-state.js';
import type { CompiledTemplate, FieldValue } from './template.js';

/** Sampler ids remembered per domain: options data naming endless samplers cannot exhaust memory. */
export const MAX_SAMPLERS_PER_DOMAIN = 1024;

/** The sampling rate an options or data record announces, 0 when none. */
function announcedRate(t: CompiledTemplate, v: FieldValue[]): number {
  const at = t.at;
  const num = (i: number) => {
    const value = i >= 0 ? v[i] : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : 0;
  };
  const interval = num(at.samplingInterval) || num(at.samplerRandomInterval);
  if (interval > 0) return interval;
  const packetInterval = num(at.samplingPacketInterval);
  if (packetInterval > 0) return (packetInterval + num(at.samplingPacketSpace)) / packetInterval;
  const probability = num(at.samplingProbability);
  if (probability > 0 && probability <= 1) return 1 / probability;
  const size = num(at.samplingSize);
  const population = num(at.samplingPopulation);
  if (size > 0 && population >= size) return population / size;
  return 0;
}

/** What an options record teaches the domain: its sampling rates and the system init time. */
export function applyOptions(domain: DomainState, t: CompiledTemplate, v: FieldValue[]): void {
  const at = t.at;
  const init = at.systemInitMillis >= 0 ? v[at.systemInitMillis] : undefined;
  if (typeof init === 'number') domain.systemInitMs = init;
  const rate = announcedRate(t, v);
  if (rate <= 0) return;
  const sampler = at.samplerId >= 0 ? v[at.samplerId] : at.selectorId >= 0 ? v[at.selectorId] : undefined;
  if (typeof sampler === 'number') {
    if (domain.samplerRates.has(sampler) || domain.samplerRates.size < MAX_SAMPLERS_PER_DOMAIN) {
      domain.samplerRates.set(sampler, rate);
    }
    // Data records that do not name their sampler get the last one announced.
    domain.defaultRate = rate;
  } else {
    domain.defaultRate = rate;
  }
}

/** The rate a data record was sampled at: its own fields, else its sampler's, else the domain's; 1 when unknown. */
export function samplingRate(domain: DomainState, t: CompiledTemplate, v: FieldValue[]): number {
  const at = t.at;
  if (at.samplingInterval >= 0 || at.samplerRandomInterval >= 0) {
    const inline = announcedRate(t, v);
    if (inline > 0) return inline;
  }
  const sampler = at.samplerId >= 0 ? v[at.samplerId] : at.selectorId >= 0 ? v[at.selectorId] : undefined;
  if (typeof sampler === 'number') {
    const rate = domain.samplerRates.get(sampler);
    if (rate !== undefined) return rate;
  }
  return domain.defaultRate || 1;
}
