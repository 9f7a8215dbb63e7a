import { getJson } from '../api.js';
import { timeChart } from '../chart.js';
import { type Column, facts, h, num, rangeForm, rangeParams, table, when, withRange } from '../dom.js';
import type { AlertList, ReportResult, Traffic } from '../types.js';

/** The top tables, in the order the page shows them. */
const TOPS: Array<[string, string]> = [
  ['top-senders', 'Top senders'],
  ['top-receivers', 'Top receivers'],
  ['host-pairs', 'Top pairs'],
  ['remote-hosts', 'Remote hosts'],
  ['ports', 'Ports'],
  ['scans-in', 'Scanners in (from outside the local networks)'],
  ['scans-out', 'Scanners out (local hosts scanning)'],
];

/** Rows of each top table: enough to see who matters, few enough for one screen each. */
const TOP_ROWS = '10';

export function alertColumns(): Column[] {
  return [
    { key: 'time', render: (r) => when(String(r.time)) },
    { key: 'message', render: (r) => h('a', { href: withRange(`/alerts/${encodeURIComponent(String(r.id))}`) }, String(r.message ?? r.detection ?? 'alert')) },
    { key: 'module' },
    { key: 'severity' },
    { key: 'source' },
    { key: 'destination' },
    { key: 'destination_port', label: 'port' },
  ];
}

export async function overview(main: HTMLElement): Promise<void> {
  const range = rangeParams();
  const limited = new URLSearchParams(range);
  limited.set('limit', TOP_ROWS);
  const [traffic, alerts, ...reports] = await Promise.all([
    getJson<Traffic>('/api/traffic', range),
    getJson<AlertList>('/api/alerts', new URLSearchParams({ ...Object.fromEntries(range), limit: '20' })),
    ...TOPS.map(([name]) => getJson<ReportResult>(`/api/reports/${name}`, limited)),
  ]);
  const b = traffic.buckets;
  const sum = (pick: (x: (typeof b)[number]) => number) => b.reduce((total, x) => total + pick(x), 0);
  const times = b.map((x) => x.time);
  main.replaceChildren(
    h('h1', {}, 'Overview'),
    rangeForm(),
    h('p', {}, `${when(traffic.from)} to ${when(traffic.to)}, in periods of ${traffic.interval}.`),
    facts([
      ['Bytes', num(sum((x) => x.bytes))],
      ['Packets', num(sum((x) => x.packets))],
      ['Flows', num(sum((x) => x.flows))],
    ]),
    timeChart('Bytes by direction', times, [
      { label: 'in', values: b.map((x) => x.in), color: '#1f77b4' },
      { label: 'out', values: b.map((x) => x.out), color: '#d62728' },
      { label: 'internal', values: b.map((x) => x.internal), color: '#2ca02c' },
      { label: 'external', values: b.map((x) => x.external), color: '#9467bd' },
    ]),
    timeChart('Packets and flows', times, [
      { label: 'packets', values: b.map((x) => x.packets), color: '#ff7f0e' },
      { label: 'flows', values: b.map((x) => x.flows), color: '#17becf' },
    ]),
    h('h2', {}, 'Alerts and detections'),
    table(`Newest alerts (${num(alerts.total)} in the range)`, alertColumns(), alerts.alerts),
    h('h2', {}, 'Top tables'),
    ...reports.map((report, i) =>
      h(
        'section',
        { id: report.report, class: 'top' },
        table(TOPS[i][1], report.columns.map((key) => ({ key })), report.rows),
      ),
    ),
  );
}
