import { getJson } from '../api.js';
import { timeChart } from '../chart.js';
import { type Column, facts, h, num, type Row, rangeForm, rangeParams, table, when } from '../dom.js';
import type { AlertList, HostLog } from '../types.js';
import { alertColumns } from './overview.js';

const PEER_COLUMNS: Column[] = [
  { key: 'ip' },
  { key: 'flows' },
  { key: 'bytes' },
  { key: 'ports', label: 'server ports' },
  { key: 'first_seen', label: 'first seen', render: (r) => when(r.first_seen as string) },
  { key: 'last_seen', label: 'last seen', render: (r) => when(r.last_seen as string) },
];

/** iptrk's view of one address: its traffic over time, its peers, its services, its alerts, its bill. */
export async function host(main: HTMLElement, ip: string): Promise<void> {
  const range = rangeParams();
  const path = `/api/hosts/${encodeURIComponent(ip)}`;
  const [log, alerts, billing] = await Promise.all([
    getJson<HostLog>(path, range),
    getJson<AlertList>('/api/alerts', new URLSearchParams({ ...Object.fromEntries(range), ip })),
    getJson<{ rows: Row[] }>(`${path}/billing`, range),
  ]);
  const times = log.over_time.map((b) => b.time);
  main.replaceChildren(
    h('h1', {}, `Host ${log.ip}`),
    rangeForm(),
    h('p', {}, `${when(log.from)} to ${when(log.to)}.`),
    facts([
      ['Flows', num(log.flows)],
      ['Bytes sent', num(log.bytes_out)],
      ['Bytes received', num(log.bytes_in)],
      ['Observers', log.observers.map((o) => o.observer).join(', ') || 'none'],
    ]),
    timeChart('Traffic over time (bytes)', times, [
      { label: 'sent', values: log.over_time.map((b) => b.bytes_out), color: '#d62728' },
      { label: 'received', values: log.over_time.map((b) => b.bytes_in), color: '#1f77b4' },
    ]),
    h('h2', {}, 'Peers'),
    table('Hosts it sent most to', PEER_COLUMNS, log.talked_to),
    table('Clients that opened conversations with it', PEER_COLUMNS, log.accessed_by),
    h('h2', {}, 'Services'),
    table('Services it used', [{ key: 'port' }, { key: 'transport' }, { key: 'flows' }, { key: 'servers' }], log.services_used),
    table('Services it offered', [{ key: 'port' }, { key: 'transport' }, { key: 'flows' }, { key: 'clients' }], log.services_offered),
    h('h2', {}, 'Alerts and detections'),
    table(`Alerts naming ${log.ip} (${num(alerts.total)})`, alertColumns(), alerts.alerts),
    h('h2', {}, 'Billing'),
    table(
      'Bytes per day, inside and across the edge of the local networks',
      ['period', 'external_in', 'external_out', 'internal_in', 'internal_out', 'external', 'total', 'observer'].map(
        (key) => ({ key, render: key === 'period' ? (r: Row) => when(String(r.period)) : undefined }),
      ),
      billing.rows,
    ),
  );
}
