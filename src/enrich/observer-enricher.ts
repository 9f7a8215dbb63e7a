import type { FlowFacts } from '../schema/flow.js';
import type { FlowEnricher } from './enricher.js';
import { InterfaceNames, type InterfaceTables } from './interface-names.js';
import { ObserverNames, type ObserverNamesOptions } from './observer-names.js';

/** What the exporter enrichment is configured with, as JSON: it crosses into the decode worker. */
export interface ObserverEnrichmentOptions {
  observers: Pick<ObserverNamesOptions, 'names' | 'reverseDns'>;
  interfaces: InterfaceTables;
  /** The last SNMP poll's tables, so that a restarted decode worker has them at once. */
  polled?: InterfaceTables;
}

/** `observer.name` and the names of `observer.{ingress,egress}.interface`, for flows that name their observer's ip. */
export class ObserverEnricher implements FlowEnricher {
  readonly observers: ObserverNames;
  readonly interfaces: InterfaceNames;

  constructor(options: ObserverEnrichmentOptions, observers?: ObserverNames) {
    this.observers = observers ?? new ObserverNames(options.observers);
    this.interfaces = new InterfaceNames(options.interfaces);
    if (options.polled) this.interfaces.setPolled(options.polled);
  }

  enrich(facts: FlowFacts): void {
    const observer = facts.observer;
    const ip = observer?.ip;
    if (observer === undefined || ip === undefined) return;
    if (!this.observers.empty) {
      const name = this.observers.nameOf(ip);
      if (name !== undefined) observer.name = name;
    }
    if (this.interfaces.empty) return;
    if (observer.ingress) this.interfaces.apply(ip, observer.ingress.interface);
    if (observer.egress) this.interfaces.apply(ip, observer.egress.interface);
  }
}
