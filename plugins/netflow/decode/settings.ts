export interface DecoderOptions {
  /** A template not refreshed for this long is forgotten (exporters resend them periodically). Default 30 min. */
  templateTtlMs?: number;
  /** Cap on templates per exporter, over all its domains: a flood of template ids cannot exhaust memory. Default 1024. */
  maxTemplatesPerExporter?: number;
  /** Cap on templates per observation domain. Default 256. */
  maxTemplatesPerDomain?: number;
  /** Fields one template may have; real ones have tens, a crafted one 16 000. Default 1024. */
  maxTemplateFields?: number;
  /** Estimated heap bytes of all templates held (see `templateCost`). Default 64 MiB. */
  maxTemplateBytes?: number;
  /** Data sets kept per exporter while their template is unknown. Default 64. */
  maxPendingPerExporter?: number;
  /** Bytes of such data sets over all exporters. Default 32 MiB. */
  maxPendingBytes?: number;
  /** How long such a set waits for its template. Default 60 s. */
  pendingTtlMs?: number;
  /** Distinct exporters (ip:port) tracked; see `NetflowDecoder.decode` for who gives up a slot. Default 10 000. */
  maxExporters?: number;
  /** An exporter holding no template that has sent nothing for this long is forgotten. Default 5 min. */
  exporterIdleMs?: number;
  /** Observation domains (v9 source ids, IPFIX ODIDs, v5 engines) per exporter. Default 64. */
  maxDomainsPerExporter?: number;
  /** Observation domains over all exporters. Default 65 536. */
  maxDomains?: number;
  /** Exporters whose counters are reported by name, the most active first; the rest add up as `other`. Default 50. */
  maxExporterSeries?: number;
  /**
   * Estimated heap bytes of the interface and application names learnt from options data (IE 82/83, 94/96), over
   * all exporters. Default 16 MiB.
   */
  maxOptionNameBytes?: number;
  /** Sampling rate per exporter IP, overriding whatever the exporter announces. */
  samplingRateOverrides?: Record<string, number>;
}

/** The options that bound what the decoder holds. */
export type DecoderLimits = Omit<DecoderOptions, 'templateTtlMs' | 'samplingRateOverrides'>;

/** `DecoderOptions` with their defaults, as every part of the decoder reads them. */
export interface DecoderSettings {
  readonly templateTtlMs: number;
  readonly maxTemplates: number;
  readonly maxTemplatesPerDomain: number;
  readonly maxTemplateFields: number;
  readonly maxTemplateBytes: number;
  readonly maxPending: number;
  readonly maxPendingBytes: number;
  readonly pendingTtlMs: number;
  readonly maxExporters: number;
  readonly exporterIdleMs: number;
  readonly maxDomainsPerExporter: number;
  readonly maxDomains: number;
  readonly maxExporterSeries: number;
  readonly maxOptionNameBytes: number;
  /** Sampling rate by exporter IP. */
  readonly overrides: ReadonlyMap<string, number>;
}

export const DECODER_DEFAULTS = {
  templateTtlMs: 30 * 60_000,
  maxTemplatesPerExporter: 1024,
  maxTemplatesPerDomain: 256,
  maxTemplateFields: 1024,
  maxTemplateBytes: 64 * 1024 * 1024,
  maxPendingPerExporter: 64,
  maxPendingBytes: 32 * 1024 * 1024,
  pendingTtlMs: 60_000,
  maxExporters: 10_000,
  exporterIdleMs: 5 * 60_000,
  maxDomainsPerExporter: 64,
  maxDomains: 65_536,
  maxExporterSeries: 50,
  maxOptionNameBytes: 16 * 1024 * 1024,
} as const;

export function decoderSettings(options: DecoderOptions): DecoderSettings {
  const d = DECODER_DEFAULTS;
  return {
    templateTtlMs: options.templateTtlMs ?? d.templateTtlMs,
    maxTemplates: options.maxTemplatesPerExporter ?? d.maxTemplatesPerExporter,
    maxTemplatesPerDomain: options.maxTemplatesPerDomain ?? d.maxTemplatesPerDomain,
    maxTemplateFields: options.maxTemplateFields ?? d.maxTemplateFields,
    maxTemplateBytes: options.maxTemplateBytes ?? d.maxTemplateBytes,
    maxPending: options.maxPendingPerExporter ?? d.maxPendingPerExporter,
    maxPendingBytes: options.maxPendingBytes ?? d.maxPendingBytes,
    pendingTtlMs: options.pendingTtlMs ?? d.pendingTtlMs,
    maxExporters: options.maxExporters ?? d.maxExporters,
    exporterIdleMs: options.exporterIdleMs ?? d.exporterIdleMs,
    maxDomainsPerExporter: options.maxDomainsPerExporter ?? d.maxDomainsPerExporter,
    maxDomains: options.maxDomains ?? d.maxDomains,
    maxExporterSeries: options.maxExporterSeries ?? d.maxExporterSeries,
    maxOptionNameBytes: options.maxOptionNameBytes ?? d.maxOptionNameBytes,
    overrides: new Map(Object.entries(options.samplingRateOverrides ?? {})),
  };
}
