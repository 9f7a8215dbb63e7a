import type { ObservedInterface } from '../schema/flow.js';

/** What is known of one interface of an exporter, by configuration or by SNMP. */
export interface InterfaceLabel {
  name?: string;
  alias?: string;
}

/** Interfaces by exporter address, then by ifIndex (as text), as JSON: it crosses into the decode worker. */
export type InterfaceTables = Record<string, Record<string, InterfaceLabel>>;

type Table = Map<string, Map<string, InterfaceLabel>>;

function tableOf(tables: InterfaceTables): Table {
  const table: Table = new Map();
  for (const [exporter, interfaces] of Object.entries(tables)) {
    table.set(exporter, new Map(Object.entries(interfaces)));
  }
  return table;
}

/**
 * Names of exporters' interfaces from the configuration (`enrichment.interfaces`) and from SNMP polling
 * (`enrichment.snmp`), laid over what the exporter's own options data said: the configuration wins field by field,
 * then SNMP, then options data; a name nobody gave stays unset.
 */
export class InterfaceNames {
  private readonly configured: Table;
  private polled: Table = new Map();

  constructor(configured: InterfaceTables = {}) {
    this.configured = tableOf(configured);
  }

  /** Replaces what SNMP polling found (the poller sends the whole table after each round). */
  setPolled(polled: InterfaceTables): void {
    this.polled = tableOf(polled);
  }

  get empty(): boolean {
    return this.configured.size === 0 && this.polled.size === 0;
  }

  /** Names `iface` (an interface of `exporter`) where the configuration or SNMP know it. */
  apply(exporter: string, iface: ObservedInterface): void {
    const configured = this.configured.get(exporter)?.get(iface.id);
    const polled = this.polled.get(exporter)?.get(iface.id);
    if (configured === undefined && polled === undefined) return;
    const name = configured?.name ?? polled?.name;
    if (name !== undefined) iface.name = name;
    const alias = configured?.alias ?? polled?.alias;
    if (alias !== undefined) iface.alias = alias;
  }
}
