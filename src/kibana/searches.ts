/** The saved searches: flow records and alerts with the columns that say what happened. */
import { ALERTS, FLOWS } from './data-views.js';
import type { SavedObject } from './saved-object.js';
import { savedSearch } from './search.js';

export function flowRecords(): SavedObject {
  return savedSearch({
    id: 'flowtrail-search-flows',
    title: 'flowtrail: Flow records',
    description:
      'Every flow, newest first: who opened it, to which service, how much, seen by which observer.',
    view: FLOWS,
    columns: [
      'source.ip',
      'source.port',
      'destination.ip',
      'destination.port',
      'network.transport',
      'network.direction',
      'flowtrail.initiator',
      'server.port',
      'network.bytes',
      'network.packets',
      'event.duration',
      'flowtrail.tcp_flags',
      'flowtrail.observer',
      'event.module',
    ],
  });
}

export function alertRecords(): SavedObject {
  return savedSearch({
    id: 'flowtrail-search-alerts',
    title: 'flowtrail: Alerts with their context',
    description:
      'IDS alerts and flowtrail detections, newest first, with what `flowtrail correlate` found around each: ' +
      'the flows it matched, the observer that saw them, and what each end did before and after.',
    view: ALERTS,
    columns: [
      'event.module',
      'rule.name',
      'event.severity',
      'flowtrail.detection.type',
      'source.ip',
      'destination.ip',
      'destination.port',
      'flowtrail.context.match',
      'flowtrail.context.observer',
      'flowtrail.context.flow_count',
      'flowtrail.context.bytes',
      'flowtrail.context.source.before.bytes',
      'flowtrail.context.source.before.new_peer_count',
      'flowtrail.context.source.after.new_peer_count',
      'flowtrail.context.destination.before.bytes',
      'flowtrail.context.destination.after.new_peer_count',
    ],
  });
}
