export interface DecoderOptions {
  /** A template not refreshed for this long is forgotten (exporters resend them periodically). Default 30 min. */
  templateTtlMs?: number;
  /** Cap on templates per exporter, over all its domains: a flood of template ids cannot exhaust memory. Default 1024. */
  maxTemplatesPerExporter?: number;
  /** Data sets kept per exporter while their template is unknown. Default 64. */
  maxPendingPerExporter?: number;
  /** How long such a set waits for its template. Default 60 s. */
  pendingTtlMs?: number;
  /** Distinct exporters (ip:port) tracked; packets from more are rejected. Default 10 000. */
  maxExporters?: number;
  /** Sampling rate per exporter IP, overriding whatever the exporter announces. */
  samplingRateOverrides?: Record<string, number>;
}

/** `DecoderOptions` with their defaults, as every part of the decoder reads them. */
export interface DecoderSettings {
  readonly templateTtlMs: number;
  readonly maxTemplates: number;
  readonly maxPending: number;
  readonly pendingTtlMs: number;
  readonly maxExporters: number;
  /** Sampling rate by exporter IP. */
  readonly overrides: ReadonlyMap<string, number>;
}

export function decoderSettings(options: DecoderOptions): DecoderSettings {
  return {
    templateTtlMs: options.templateTtlMs ?? 30 * 60_000,
    maxTemplates: options.maxTemplatesPerExporter ?? 1024,
    maxPending: options.maxPendingPerExporter ?? 64,
    pendingTtlMs: options.pendingTtlMs ?? 60_000,
    maxExporters: options.maxExporters ?? 10_000,
    overrides: new Map(Object.entries(options.samplingRateOverrides ?? {})),
  };
}
