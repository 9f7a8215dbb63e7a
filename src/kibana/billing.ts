/**
 * The Billing dashboard, from host summaries: bytes per local host and period, internal and external, in and
 * out. Each summary is already one observer's figure (the busiest's), so adding summaries up counts once.
 */
import { type DashboardSpec, half, wide } from './dashboard.js';
import { HOST_SUMMARIES } from './data-views.js';
import { chart, overTime, sum, table, topValues } from './lens.js';

const on = { view: HOST_SUMMARIES, description: '' };
const id = (name: string) => `flowtrail-lens-billing-${name}`;

const parts = () => [
  sum('flowtrail.summary.bytes_out_external', 'External out'),
  sum('flowtrail.summary.bytes_in_external', 'External in'),
  sum('flowtrail.summary.bytes_out_internal', 'Internal out'),
  sum('flowtrail.summary.bytes_in_internal', 'Internal in'),
];

export function billing(): DashboardSpec {
  const externalPerDay = chart({
    ...on,
    id: id('external-per-day'),
    title: 'External bytes per day',
    series: 'bar_stacked',
    x: overTime('1d'),
    y: parts().slice(0, 2),
  });
  const perHost = table({
    ...on,
    id: id('per-host'),
    title: 'Bytes per host over the time range',
    rows: [topValues('host.ip', 50, 'Host')],
    metrics: parts(),
  });
  const perHostAndDay = table({
    ...on,
    id: id('per-host-and-day'),
    title: 'Bytes per host and day',
    description: "Change the date histogram's interval in the editor for weeks or months.",
    rows: [topValues('host.ip', 100, 'Host'), overTime('1d')],
    metrics: parts(),
  });

  return {
    id: 'flowtrail-dashboard-billing',
    title: 'flowtrail: Billing',
    description:
      'Per-host bytes from host summaries (flowtrail.host_summary), split by locality and direction; ranked by ' +
      'external bytes out. Summaries count each host once, by its busiest observer.',
    from: 'now-30d',
    controls: [{ field: 'host.ip', title: 'Host', view: HOST_SUMMARIES, single: false }],
    panels: [half(externalPerDay), half(perHost), wide(perHostAndDay, 22)],
  };
}
