import type { Additions } from '../enrich/types.js';
import type { LocalNetworks } from './locality.js';

/** What mapping facts to a document needs besides the facts: the site's networks and the time of mapping. */
export interface MappingContext {
  localNetworks: LocalNetworks;
  /** Epoch ms at which the record was made here: `event.created`. */
  now: number;
  /** Dataset override (tests, alternate streams); each kind has its default. */
  dataset?: string;
  /**
   * Fields enrichers found for this flow (GeoIP, application, names…), written inside the objects they belong to;
   * the source's endpoint fields also go to whichever of client and server it is.
   */
  additions?: Additions;
}
