/** The decoder's state as JSON: what a restarted collector needs to decode at once, without waiting for templates. */
import type { DecoderBudget } from './budget.js';
import { ExporterState } from './exporter-state.js';
import { optionNameRows, restoreOptionNames } from './option-names.js';
import { MAX_SAMPLERS_PER_DOMAIN } from './sampling.js';
import type { DecoderSettings } from './settings.js';
import { compileTemplate } from './template.js';

/** Persistable state: templates and what options data taught about sampling and time. */
export interface DecoderSnapshot {
  version: 1;
  exporters: Array<{
    address: string;
    port: number;
    /** Its templates decoded records (see `NetflowDecoder`'s eviction order); absent in older snapshots. */
    proven?: boolean;
    domains: Array<{
      version: number;
      id: number;
      systemInitMs: number;
      defaultRate: number;
      samplerRates: Array<[number, number]>;
      /** Interface names by ifIndex and application names by id from options data; absent in older snapshots. */
      interfaces?: Array<[id: number, name: string | null, description: string | null]>;
      applications?: Array<[id: string, name: string | null, description: string | null]>;
      templates: Array<{
        id: number;
        scopeCount: number;
        isOptions: boolean;
        fields: Array<[pen: number, id: number, length: number]>;
        updatedAt: number;
      }>;
    }>;
  }>;
}

/**
 * What a restart needs of the exporters: their templates and sampling state. Exporters and domains holding neither
 * are left out, so that a flood of spoofed sources, or of empty domains, is not carried over to the next run;
 * those holding templates that never decoded a record are restored as the first to give up their slot.
 */
export function snapshotOf(exporters: Iterable<ExporterState>): DecoderSnapshot {
  const saved: DecoderSnapshot['exporters'] = [];
  for (const state of exporters) {
    const domains: DecoderSnapshot['exporters'][number]['domains'] = [];
    for (const domain of state.domains.values()) {
      if (domain.disposable) continue;
      domains.push({
        version: domain.version,
        id: domain.id,
        systemInitMs: domain.systemInitMs,
        defaultRate: domain.defaultRate,
        samplerRates: [...domain.samplerRates],
        ...optionNameRows(domain),
        templates: [...domain.templates.values()].map(({ template, updatedAt }) => ({
          id: template.id,
          scopeCount: template.scopeCount,
          isOptions: template.isOptions,
          fields: template.fields.map((f) => [f.pen, f.id, f.length] as [number, number, number]),
          updatedAt,
        })),
      });
    }
    if (domains.length > 0)
      saved.push({ address: state.address, port: state.port, proven: state.proven, domains });
  }
  return { version: 1, exporters: saved };
}

/**
 * Loads a snapshot (e.g. read back from JSON at start-up) into `exporters`, keyed `ip:port`, within the
 * settings' bounds; templates older than their time to live at `now` are skipped.
 */
export function restoreSnapshot(
  exporters: Map<string, ExporterState>,
  snapshot: DecoderSnapshot,
  settings: DecoderSettings,
  budget: DecoderBudget,
  now: number,
): void {
  if (snapshot?.version !== 1 || !Array.isArray(snapshot.exporters)) return;
  for (const exporter of snapshot.exporters) {
    const key = `${exporter.address}:${exporter.port}`;
    let state = exporters.get(key);
    if (!state) {
      if (exporters.size >= settings.maxExporters) continue;
      state = new ExporterState(exporter.address, exporter.port, settings, budget);
      exporters.set(key, state);
    }
    state.proven ||= exporter.proven === true;
    for (const saved of exporter.domains) {
      const domain = state.domain(saved.version, saved.id);
      if (!domain) continue;
      domain.systemInitMs = saved.systemInitMs;
      domain.defaultRate = saved.defaultRate;
      for (const [sampler, rate] of saved.samplerRates.slice(0, MAX_SAMPLERS_PER_DOMAIN)) {
        domain.samplerRates.set(sampler, rate);
      }
      restoreOptionNames(state, domain, saved.interfaces ?? [], saved.applications ?? []);
      for (const t of saved.templates) {
        // Within the bounds of this run, which may be tighter than those the snapshot was made under.
        if (
          now - t.updatedAt > settings.templateTtlMs ||
          state.refusesTemplate(domain, t.id, t.fields.length)
        )
          continue;
        const fields = t.fields.map(([pen, id, length]) => ({ pen, id, length }));
        const template = compileTemplate(t.id, fields, t.scopeCount, t.isOptions, saved.version === 9);
        state.putTemplate(domain, { template, updatedAt: t.updatedAt });
      }
    }
  }
}

function latestUpdate(exporter: DecoderSnapshot['exporters'][number]): number {
  let latest = 0;
  for (const domain of exporter.domains)
    for (const template of domain.templates) latest = Math.max(latest, template.updatedAt);
  return latest;
}

/**
 * The snapshot as JSON of at most `maxBytes`: when it would be larger, exporters whose templates never decoded a
 * record go first, then those whose templates were refreshed least recently; `omitted` says how many.
 */
export function snapshotJson(snapshot: DecoderSnapshot, maxBytes: number): { json: string; omitted: number } {
  const ranked = snapshot.exporters
    .map((exporter) => ({ exporter, latest: latestUpdate(exporter) }))
    .sort(
      (a, b) =>
        Number(b.exporter.proven === true) - Number(a.exporter.proven === true) || b.latest - a.latest,
    );
  const head = `{"version":${snapshot.version},"exporters":[`;
  const tail = ']}';
  let bytes = head.length + tail.length;
  const parts: string[] = [];
  for (const { exporter } of ranked) {
    const part = JSON.stringify(exporter);
    const size = Buffer.byteLength(part) + (parts.length > 0 ? 1 : 0);
    if (bytes + size > maxBytes) continue;
    bytes += size;
    parts.push(part);
  }
  return { json: head + parts.join(',') + tail, omitted: snapshot.exporters.length - parts.length };
}
