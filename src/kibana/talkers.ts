/** The Top talkers dashboard: who sends and receives the most, between whom, to which services, across the edge. */
import { type DashboardSpec, half } from './dashboard.js';
import { FLOWS } from './data-views.js';
import { chart, count, distinct, overTime, sum, table, topValues } from './lens.js';
import { OBSERVER_CONTROL, OBSERVER_NOTE } from './observer-control.js';

const on = { view: FLOWS, description: '' };
const id = (name: string) => `flowtrail-lens-talkers-${name}`;
const bytes = () => sum('network.bytes', 'Bytes');

export function talkers(): DashboardSpec {
  const senders = chart({
    ...on,
    id: id('senders'),
    title: 'Top sources',
    description: 'Bytes of the flows each address is the source of.',
    series: 'bar_horizontal',
    x: topValues('source.ip', 15, 'Source'),
    y: [bytes()],
  });
  const receivers = chart({
    ...on,
    id: id('receivers'),
    title: 'Top destinations',
    description: 'Bytes of the flows each address is the destination of.',
    series: 'bar_horizontal',
    x: topValues('destination.ip', 15, 'Destination'),
    y: [bytes()],
  });
  const conversations = table({
    ...on,
    id: id('conversations'),
    title: 'Top conversations (host pairs)',
    description: 'Source and destination as the flows name them: the two directions of a pair are two rows.',
    rows: [topValues('source.ip', 25, 'Source, destination', { and: ['destination.ip'] })],
    metrics: [bytes(), sum('network.packets', 'Packets'), count('Flows')],
  });
  const services = table({
    ...on,
    id: id('services'),
    title: 'Top services',
    description: 'Servers by the port their clients reached (server.port) and transport.',
    rows: [
      topValues('server.ip', 25, 'Server, port, transport', { and: ['server.port', 'network.transport'] }),
    ],
    metrics: [bytes(), count('Flows'), distinct('client.ip', 'Clients')],
  });
  const directions = chart({
    ...on,
    id: id('directions'),
    title: 'Internal and external traffic over time',
    description: 'network.direction: inbound, outbound, internal (both ends local), external (neither).',
    series: 'area_stacked',
    x: overTime(),
    y: [bytes()],
    split: topValues('network.direction', 4, 'Direction', { other: true }),
  });
  const localities = table({
    ...on,
    id: id('localities'),
    title: 'Traffic by locality of the ends',
    rows: [
      topValues('source.locality', 4, 'Source, destination locality', { and: ['destination.locality'] }),
    ],
    metrics: [bytes(), count('Flows')],
  });
  const externalDestinations = chart({
    ...on,
    id: id('external-destinations'),
    title: 'Top external destinations',
    query: 'destination.locality : "external"',
    series: 'bar_horizontal',
    x: topValues('destination.ip', 15, 'External destination'),
    y: [bytes()],
  });
  const externalSources = chart({
    ...on,
    id: id('external-sources'),
    title: 'Top external sources',
    query: 'source.locality : "external"',
    series: 'bar_horizontal',
    x: topValues('source.ip', 15, 'External source'),
    y: [bytes()],
  });

  return {
    id: 'flowtrail-dashboard-talkers',
    title: 'flowtrail: Top talkers',
    description: `Senders, receivers, host pairs and services, inside and across the edge. ${OBSERVER_NOTE}`,
    from: 'now-24h',
    controls: [
      OBSERVER_CONTROL,
      { field: 'network.direction', title: 'Direction', view: FLOWS, single: false },
    ],
    panels: [
      half(senders),
      half(receivers),
      half(conversations),
      half(services),
      half(directions),
      half(localities),
      half(externalDestinations),
      half(externalSources),
    ],
  };
}
