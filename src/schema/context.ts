import type { LocalNetworks } from './locality.js';

/** What mapping facts to a document needs besides the facts: the site's networks and the time of mapping. */
export interface MappingContext {
  localNetworks: LocalNetworks;
  /** Epoch ms at which the record was made here: `event.created`. */
  now: number;
  /** Dataset override (tests, alternate streams); each kind has its default. */
  dataset?: string;
}
