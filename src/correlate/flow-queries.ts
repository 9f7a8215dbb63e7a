/**
 * Query pieces over facts every flow document carries (src/schema/flow.ts): which observer reported it, which end
 * opened the conversation, and whether its transport has ports.
 */

/** The field naming each flow's observer. */
export const OBSERVER_FIELD = 'flowtrail.observer';

/** Every observer of the records, the busiest (by the `bytes` sub-aggregation it must be given) first. */
export function observersByBytes(aggs: Record<string, unknown>): Record<string, unknown> {
  return {
    terms: { field: OBSERVER_FIELD, missing: '-', size: 100, order: [{ bytes: 'desc' }, { _key: 'asc' }] },
    aggs,
  };
}

/** The records of one observer; `-` names records without one (documents of older versions). */
export function observerIs(name: string): Record<string, unknown> {
  return name === '-'
    ? { bool: { must_not: { exists: { field: OBSERVER_FIELD } } } }
    : { term: { [OBSERVER_FIELD]: name } };
}

/** A record whose destination opened the conversation is its source's reply, never one of the source's probes. */
export const NOT_A_REPLY = { bool: { must_not: { term: { 'flowtrail.initiator': 'destination' } } } };

/** Records of a transport whose ports name services; ICMP's "ports" are its type and code. */
export const PORTED = { terms: { 'network.transport': ['tcp', 'udp', 'sctp'] } };
