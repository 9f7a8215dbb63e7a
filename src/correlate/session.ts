import { type FlowDoc, flowEnd, flowStart, observerOf } from './documents.js';

export interface SessionSummary {
  flow_count: number;
  modules: string[];
  observers: string[];
  /** The observer that saw the most of the session's bytes: several exporters on one link report the same bytes. */
  observer?: string;
  /** The session's flow records as that observer reported them (`flow_count` counts every observer's). */
  observer_flow_count: number;
  bytes: number;
  packets: number;
  start?: string;
  end?: string;
  /** Who opened the session (its client, where the records name one), and who sent its last packet. */
  first_talker?: string;
  last_talker?: string;
}

function opensConnection(flow: FlowDoc): boolean {
  const flags = flow.flowtrail?.tcp_flags;
  return flags?.includes('SYN') === true && !flags.includes('ACK');
}

/**
 * One session out of the flow records that make it up (both directions, any number of observers). Records that
 * start in the same millisecond are ordered by who opened the connection (a SYN without ACK is the initiator's),
 * and the last talker is, on a tie, the side that answered.
 */
export function summarizeSession(flows: readonly FlowDoc[]): SessionSummary {
  const perObserver = new Map<string, { bytes: number; packets: number; flows: number }>();
  const modules = new Set<string>();
  for (const flow of flows) {
    if (flow.event?.module) modules.add(flow.event.module);
    const key = observerOf(flow);
    const total = perObserver.get(key) ?? { bytes: 0, packets: 0, flows: 0 };
    total.bytes += flow.network?.bytes ?? 0;
    total.packets += flow.network?.packets ?? 0;
    total.flows += 1;
    perObserver.set(key, total);
  }
  const observers = [...perObserver.keys()].sort();
  let observer: string | undefined;
  for (const key of observers)
    if (
      observer === undefined ||
      (perObserver.get(key)?.bytes ?? 0) > (perObserver.get(observer)?.bytes ?? 0)
    )
      observer = key;
  const best = (observer && perObserver.get(observer)) || { bytes: 0, packets: 0, flows: 0 };
  const summary: SessionSummary = {
    flow_count: flows.length,
    modules: [...modules].sort(),
    observers,
    ...(observer !== undefined ? { observer } : {}),
    observer_flow_count: best.flows,
    bytes: best.bytes,
    packets: best.packets,
  };
  if (flows.length === 0) return summary;
  const byStart = [...flows].sort(
    (a, b) => flowStart(a) - flowStart(b) || Number(opensConnection(b)) - Number(opensConnection(a)),
  );
  const first = byStart[0];
  const firstTalker = first.client?.ip ?? first.source.ip;
  const byEnd = [...flows].sort(
    (a, b) =>
      flowEnd(b) - flowEnd(a) || Number(a.source.ip === firstTalker) - Number(b.source.ip === firstTalker),
  );
  summary.start = new Date(flowStart(first)).toISOString();
  summary.end = new Date(flowEnd(byEnd[0])).toISOString();
  summary.first_talker = firstTalker;
  summary.last_talker = byEnd[0].source.ip;
  return summary;
}
