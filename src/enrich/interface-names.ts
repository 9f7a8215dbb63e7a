import type { InterfaceLabel } from './types.js';

export type { InterfaceLabel } from './types.js';

/** Interfaces by exporter address, then by ifIndex (as text), as JSON: it crosses into the decode worker. */
export type InterfaceTables = Record<string, Record<string, InterfaceLabel>>;

type Table = Map<string, Map<string, InterfaceLabel>>;

/** `over` laid on `under` field by field; `over` itself where `under` adds nothing. */
function laidOver(over: InterfaceLabel | undefined, under: InterfaceLabel | undefined): InterfaceLabel {
  if (under === undefined) return over ?? {};
  if (over === undefined) return under;
  const label: InterfaceLabel = {};
  const name = over.name ?? under.name;
  const alias = over.alias ?? under.alias;
  const speed = over.speed_mbps ?? under.speed_mbps;
  if (name !== undefined) label.name = name;
  if (alias !== undefined) label.alias = alias;
  if (speed !== undefined) label.speed_mbps = speed;
  return label;
}

/**
 * Names of exporters' interfaces from the configuration (`enrichment.interfaces`) and from SNMP polling
 * (`enrichment.snmp`), which a flow's writer lays over what the exporter's own options data said: the
 * configuration wins field by field, then SNMP, then options data; a name nobody gave stays unset. The two tables
 * are merged whenever a poll brings a new one, so that a flow's lookup is two `Map.get`s.
 */
export class InterfaceNames {
  private readonly configured: InterfaceTables;
  private merged: Table = new Map();

  constructor(configured: InterfaceTables = {}, polled: InterfaceTables = {}) {
    this.configured = configured;
    this.setPolled(polled);
  }

  /** Replaces what SNMP polling found (the poller sends the whole table after each round). */
  setPolled(polled: InterfaceTables): void {
    const merged: Table = new Map();
    for (const exporter of new Set([...Object.keys(this.configured), ...Object.keys(polled)])) {
      const configured = this.configured[exporter] ?? {};
      const found = polled[exporter] ?? {};
      const table = new Map<string, InterfaceLabel>();
      for (const id of new Set([...Object.keys(configured), ...Object.keys(found)])) {
        table.set(id, laidOver(configured[id], found[id]));
      }
      merged.set(exporter, table);
    }
    this.merged = merged;
  }

  get empty(): boolean {
    return this.merged.size === 0;
  }

  /** What the configuration and SNMP know of interface `id` (ifIndex, as text) of `exporter`. */
  labelOf(exporter: string, id: string): InterfaceLabel | undefined {
    return this.merged.get(exporter)?.get(id);
  }
}
