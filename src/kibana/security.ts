/** The Security dashboard: IDS alerts by rule and severity, flowtrail's detections, and the alerts in context. */
import { type DashboardSpec, half, small, wide } from './dashboard.js';
import { ALERTS } from './data-views.js';
import { chart, count, distinct, maximum, metric, overTime, table, topValues } from './lens.js';
import { alertRecords } from './searches.js';

const on = { view: ALERTS, description: '' };
const id = (name: string) => `flowtrail-lens-security-${name}`;

/** flowtrail's own detections are alerts of event.module `flowtrail`; every other module is an IDS. */
const DETECTIONS = 'event.module : "flowtrail"';
const IDS_ALERTS = 'not event.module : "flowtrail"';

export function security(): DashboardSpec {
  const idsAlerts = metric({
    ...on,
    id: id('ids-alerts'),
    title: 'IDS alerts',
    query: IDS_ALERTS,
    value: count('IDS alerts'),
  });
  const detections = metric({
    ...on,
    id: id('detections'),
    title: 'flowtrail detections',
    query: DETECTIONS,
    value: count('Detections'),
  });
  const rules = metric({
    ...on,
    id: id('rules'),
    title: 'Rules that fired',
    query: IDS_ALERTS,
    value: distinct('rule.name', 'Rules'),
  });
  const sources = metric({
    ...on,
    id: id('sources'),
    title: 'Alerted sources',
    value: distinct('source.ip', 'Sources'),
  });
  const byRule = chart({
    ...on,
    id: id('by-rule'),
    title: 'IDS alerts over time by rule',
    query: IDS_ALERTS,
    series: 'bar_stacked',
    x: overTime(),
    y: [count('Alerts')],
    split: topValues('rule.name', 10, 'Rule', { other: true }),
  });
  const bySeverity = chart({
    ...on,
    id: id('by-severity'),
    title: 'IDS alerts over time by severity',
    description: 'event.severity as the IDS gives it (Snort and Suricata: 1 is the most severe).',
    query: IDS_ALERTS,
    series: 'bar_stacked',
    x: overTime(),
    y: [count('Alerts')],
    split: topValues('event.severity', 5, 'Severity', { other: true }),
  });
  const detectionsOverTime = chart({
    ...on,
    id: id('detections-over-time'),
    title: 'Detections over time by type',
    query: DETECTIONS,
    series: 'bar_stacked',
    x: overTime(),
    y: [count('Detections')],
    split: topValues('flowtrail.detection.type', 10, 'Detection', { other: true }),
  });
  const detectionKinds = table({
    ...on,
    id: id('detection-kinds'),
    title: 'Detections by type and direction',
    query: DETECTIONS,
    rows: [
      topValues('flowtrail.detection.type', 20, 'Type, direction', {
        and: ['flowtrail.detection.direction'],
      }),
    ],
    metrics: [
      count('Detections'),
      distinct('source.ip', 'Sources'),
      distinct('destination.ip', 'Destinations'),
    ],
  });
  const context = table({
    ...on,
    id: id('context'),
    title: 'Alerted sources and what they did',
    description:
      'From `flowtrail correlate`: the most bytes and new peers of the source in the window before and after ' +
      'any of its alerts.',
    rows: [topValues('source.ip', 20, 'Source')],
    metrics: [
      count('Alerts'),
      maximum('flowtrail.context.source.before.bytes', 'Bytes before'),
      maximum('flowtrail.context.source.before.new_peer_count', 'New peers before'),
      maximum('flowtrail.context.source.after.new_peer_count', 'New peers after'),
      maximum('flowtrail.context.bytes', 'Bytes of matched flows'),
    ],
  });

  return {
    id: 'flowtrail-dashboard-security',
    title: 'flowtrail: Security',
    description:
      'IDS alerts by rule and severity, flowtrail detections, and each alert with its correlated context.',
    from: 'now-7d',
    controls: [
      { field: 'event.module', title: 'Source of the alert', view: ALERTS, single: false },
      { field: 'flowtrail.severity', title: 'Severity', view: ALERTS, single: false },
    ],
    panels: [
      small(idsAlerts),
      small(detections),
      small(rules),
      small(sources),
      half(byRule),
      half(bySeverity),
      half(detectionsOverTime),
      half(detectionKinds),
      wide(context, 14),
      wide(alertRecords()),
    ],
  };
}
