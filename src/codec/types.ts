import type { PipelineRecord } from '../pipeline/types.js';
import type { LocalNetworks } from '../schema/locality.js';

/** One input record as read from a file: a line, or a group of lines for multi-line formats. */
export interface Unit {
  text: string;
  offset: number;
  number: number;
}

export interface MappingDeps {
  localNetworks: LocalNetworks;
  /** Epoch ms, for `event.created`. */
  now: () => number;
}

export interface FileContext extends MappingDeps {
  path: string;
  /** Content fingerprint of the file; with a unit's offset it identifies the record. */
  fingerprint: string;
  /** IANA zone or `±HH:MM` for formats whose times carry no zone (Snort). */
  timezone: string;
  /** Epoch ms no alert can be later than (file mtime), for formats whose times carry no year. */
  reference: number;
}

/** A parser for one file. `parse` returns undefined for units that carry no record (headers, blank lines). */
export interface FileParser {
  /** Multi-line records: units are groups of lines that start with this prefix. */
  readonly blockStart?: string;
  parse(unit: Unit): PipelineRecord | undefined;
}

export function unitIdentity(ctx: FileContext, unit: Unit): string {
  return `${ctx.fingerprint}:${unit.offset}`;
}
