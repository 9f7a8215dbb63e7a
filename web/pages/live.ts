import { type Column, h, num, type Row, table, when } from '../dom.js';
import type { Arrivals } from '../types.js';
import { alertColumns } from './overview.js';

/** Rows kept on the page: the newest, as IPTraf's scrolling list does. */
const KEPT = 100;

const FLOW_COLUMNS: Column[] = [
  { key: 'time', render: (r) => when(String(r.time)) },
  { key: 'transport' },
  { key: 'source' },
  { key: 'source_port', label: 'port' },
  { key: 'destination' },
  { key: 'destination_port', label: 'port' },
  { key: 'bytes' },
  { key: 'packets' },
  { key: 'observer' },
];

const RATE_COLUMNS: Column[] = [
  { key: 'transport' },
  { key: 'bytes_per_s', label: 'bytes/s' },
  { key: 'packets_per_s', label: 'packets/s' },
  { key: 'flows_per_s', label: 'flows/s' },
  { key: 'observer' },
];

/** Flows and detections as the store receives them, from the server's event stream, with rates per transport. */
export function live(main: HTMLElement): void {
  const status = h('p', { role: 'status', id: 'live-status' }, 'Connecting…');
  const rates = h('div', { id: 'rates' });
  const flows = h('div', { id: 'flows' });
  const alerts = h('div', { id: 'alerts' });
  let flowRows: Row[] = [];
  let alertRows: Row[] = [];
  let received = 0;
  const draw = () => {
    rates.replaceChildren();
    flows.replaceChildren(table('Newest flows', FLOW_COLUMNS, flowRows, 'None yet.'));
    alerts.replaceChildren(table('Newest alerts and detections', alertColumns(), alertRows, 'None yet.'));
  };
  main.replaceChildren(
    h('h1', {}, 'Live'),
    status,
    h('section', { 'aria-labelledby': 'rates-title' }, h('h2', { id: 'rates-title' }, 'Rates per protocol'), rates),
    h('section', {}, h('h2', {}, 'Flows'), flows),
    h('section', {}, h('h2', {}, 'Alerts and detections'), alerts),
  );
  draw();
  rates.append(h('p', { class: 'empty' }, 'Waiting for traffic.'));
  const source = new EventSource('/api/live');
  source.addEventListener('arrivals', (event) => {
    const a = JSON.parse((event as MessageEvent).data) as Arrivals;
    received += a.flows.length + a.flows_left_out;
    flowRows = [...a.flows.reverse(), ...flowRows].slice(0, KEPT);
    alertRows = [...a.alerts.reverse(), ...alertRows].slice(0, KEPT);
    draw();
    rates.append(table('Over the last 10 seconds that are searchable', RATE_COLUMNS, a.rates));
    status.textContent = `Following: ${num(received)} flows received since the page opened.`;
    status.classList.remove('error');
  });
  source.addEventListener('unavailable', () => {
    status.textContent = 'Elasticsearch is not answering: nothing can be followed until it is back.';
    status.classList.add('error');
  });
  source.addEventListener('error', () => {
    status.textContent = 'The connection to flowtrail was lost; reconnecting…';
  });
}
