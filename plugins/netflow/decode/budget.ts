/**
 * The bounds all exporters of one decoder share, and how often each bound was hit. Every bound is a count or an
 * estimate of bytes held, so that no sequence of datagrams can grow the decoder past them.
 */

/** The bounds, by the name they are counted and exported under. */
export const LIMITS = [
  'exporters',
  'domains_per_exporter',
  'domains',
  'templates_per_exporter',
  'templates_per_domain',
  'template_fields',
  'template_bytes',
  'pending_bytes',
  'option_names',
] as const;
export type LimitName = (typeof LIMITS)[number];
export type LimitHits = Record<LimitName, number>;

export function noHits(): LimitHits {
  return Object.fromEntries(LIMITS.map((name) => [name, 0])) as LimitHits;
}

/**
 * Heap cost of a compiled template, measured on Node 20 (heap used after GC, 200 templates of 1,000 fields and
 * 1,000 of one field): about 4.3 kB per template (its well-known field positions, typed arrays) and 135 bytes per
 * field (the field, its signature text, its element info slot).
 */
const TEMPLATE_BASE_BYTES = 4400;
const TEMPLATE_FIELD_BYTES = 136;

export function templateCost(fieldCount: number): number {
  return TEMPLATE_BASE_BYTES + fieldCount * TEMPLATE_FIELD_BYTES;
}

/** Totals over all exporters, against the decoder's bounds. */
export class DecoderBudget {
  templateBytes = 0;
  pendingBytes = 0;
  domains = 0;
  /** Estimated heap bytes of the interface and application names learnt from options data. */
  optionNameBytes = 0;
  readonly hits: LimitHits = noHits();
}
