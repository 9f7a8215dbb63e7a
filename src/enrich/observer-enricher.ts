import { InterfaceNames, type InterfaceTables } from './interface-names.js';
import { ObserverNames, type ObserverNamesOptions } from './observer-names.js';
import type { Additions, Enricher, EnrichSubject } from './types.js';

/** What the exporter enrichment is configured with. */
export interface ObserverEnrichmentOptions {
  observers: Pick<ObserverNamesOptions, 'names' | 'reverseDns'>;
  interfaces: InterfaceTables;
  /** The last SNMP poll's tables, so that a restarted decode worker has them at once. */
  polled?: InterfaceTables;
}

/**
 * `observer.name` and the names (and speeds) of `observer.{ingress,egress}.interface`, for documents that name
 * their observer's ip: values handed over as they are kept, nothing written per flow.
 */
export class ObserverEnricher implements Enricher {
  readonly name = 'observers';
  readonly observers: ObserverNames;
  readonly interfaces: InterfaceNames;

  constructor(options: ObserverEnrichmentOptions, observers?: ObserverNames) {
    this.observers = observers ?? new ObserverNames(options.observers);
    this.interfaces = new InterfaceNames(options.interfaces, options.polled);
  }

  enrich(subject: EnrichSubject, add: Additions): void {
    const observer = subject.observer;
    const ip = observer?.ip;
    if (observer === undefined || ip === undefined) return;
    if (!this.observers.empty) {
      const name = this.observers.nameOf(ip);
      if (name !== undefined) add.observerName = name;
    }
    const { interfaces } = this;
    if (interfaces.empty) return;
    if (observer.ingress) add.ingress = interfaces.labelOf(ip, observer.ingress.interface.id);
    if (observer.egress) add.egress = interfaces.labelOf(ip, observer.egress.interface.id);
  }
}
