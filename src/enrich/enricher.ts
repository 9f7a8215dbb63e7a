import type { FlowFacts } from '../schema/flow.js';

/**
 * Adds what a source does not know itself to a flow (names, places), where the document is built: NetFlow's in
 * its decode worker, before serialization. `enrich` must not wait: what is not known yet is left out.
 */
export interface FlowEnricher {
  enrich(facts: FlowFacts): void;
}
