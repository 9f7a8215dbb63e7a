/** The Host dashboard: one address's traffic over time, its peers and its services, and its flow records. */
import { type DashboardSpec, half, wide } from './dashboard.js';
import { FLOWS } from './data-views.js';
import { chart, count, distinct, overTime, sum, table, topValues } from './lens.js';
import { OBSERVER_CONTROL, OBSERVER_NOTE } from './observer-control.js';
import { flowRecords } from './searches.js';

const on = { view: FLOWS, description: '' };
const id = (name: string) => `flowtrail-lens-host-${name}`;
const bytes = () => sum('network.bytes', 'Bytes');

export function host(): DashboardSpec {
  const traffic = chart({
    ...on,
    id: id('traffic'),
    title: 'Traffic over time by direction',
    series: 'bar_stacked',
    x: overTime(),
    y: [bytes()],
    split: topValues('network.direction', 4, 'Direction', { other: true }),
  });
  const flows = chart({
    ...on,
    id: id('flows'),
    title: 'Flows over time by transport',
    series: 'line',
    x: overTime(),
    y: [count('Flows')],
    split: topValues('network.transport', 5, 'Transport', { other: true }),
  });
  const peers = table({
    ...on,
    id: id('peers'),
    title: 'Peers: conversations of the address',
    description: 'Source and destination of its flows; the address is one of the two.',
    rows: [topValues('source.ip', 30, 'Source, destination', { and: ['destination.ip'] })],
    metrics: [bytes(), sum('network.packets', 'Packets'), count('Flows')],
  });
  const services = table({
    ...on,
    id: id('services'),
    title: 'Services it offered or used',
    description: 'The server end and the port its clients reached (server.port).',
    rows: [
      topValues('server.ip', 30, 'Server, port, transport', { and: ['server.port', 'network.transport'] }),
    ],
    metrics: [bytes(), count('Flows'), distinct('client.ip', 'Clients')],
  });

  return {
    id: 'flowtrail-dashboard-host',
    title: 'flowtrail: Host',
    description:
      'One address: pick it in the Address control (or filter related.ip : 10.1.2.3). Without one, the panels ' +
      `show every address. ${OBSERVER_NOTE}`,
    from: 'now-24h',
    controls: [{ field: 'related.ip', title: 'Address', view: FLOWS, single: true }, OBSERVER_CONTROL],
    panels: [half(traffic), half(flows), half(peers), half(services), wide(flowRecords())],
  };
}
