/** The Overview dashboard: how much traffic, of which kind and direction, to which services, from which exporters. */
import { type DashboardSpec, half, small } from './dashboard.js';
import { FLOWS } from './data-views.js';
import { chart, count, distinct, metric, overTime, sum, table, topValues } from './lens.js';
import { OBSERVER_CONTROL, OBSERVER_NOTE } from './observer-control.js';

const on = { view: FLOWS, description: '' };
const id = (name: string) => `flowtrail-lens-overview-${name}`;
const bytes = () => sum('network.bytes', 'Bytes');

export function overview(): DashboardSpec {
  const flows = metric({ ...on, id: id('flows'), title: 'Flows', value: count('Flows') });
  const totalBytes = metric({ ...on, id: id('bytes'), title: 'Bytes', value: bytes() });
  const packets = metric({
    ...on,
    id: id('packets'),
    title: 'Packets',
    value: sum('network.packets', 'Packets'),
  });
  const observers = metric({
    ...on,
    id: id('observers'),
    title: 'Observers',
    value: distinct('flowtrail.observer', 'Observers'),
  });

  const bytesByDirection = chart({
    ...on,
    id: id('bytes-by-direction'),
    title: 'Bytes over time by direction',
    series: 'bar_stacked',
    x: overTime(),
    y: [bytes()],
    split: topValues('network.direction', 4, 'Direction', { other: true }),
  });

  const flowsByTransport = chart({
    ...on,
    id: id('flows-by-transport'),
    title: 'Flows over time by transport',
    series: 'bar_stacked',
    x: overTime(),
    y: [count('Flows')],
    split: topValues('network.transport', 5, 'Transport', { other: true }),
  });

  const bytesByTransport = chart({
    ...on,
    id: id('bytes-by-transport'),
    title: 'Bytes over time by transport',
    series: 'bar_stacked',
    x: overTime(),
    y: [bytes()],
    split: topValues('network.transport', 5, 'Transport', { other: true }),
  });

  const packetsByDirection = chart({
    ...on,
    id: id('packets-by-direction'),
    title: 'Packets over time by direction',
    series: 'area_stacked',
    x: overTime(),
    y: [sum('network.packets', 'Packets')],
    split: topValues('network.direction', 4, 'Direction', { other: true }),
  });

  const servicePorts = table({
    ...on,
    id: id('service-ports'),
    title: 'Top service ports',
    description: "The server's port of each conversation (server.port), never a reply's ephemeral port.",
    rows: [topValues('server.port', 20, 'Port, transport', { and: ['network.transport'] })],
    metrics: [bytes(), count('Flows'), distinct('client.ip', 'Clients')],
  });

  const applications = chart({
    ...on,
    id: id('applications'),
    title: 'Top application protocols',
    description: 'As Zeek and Suricata name them (network.protocol); NetFlow records name none.',
    series: 'bar_horizontal',
    x: topValues('network.protocol', 10, 'Application protocol'),
    y: [bytes()],
  });

  const observerRates = chart({
    ...on,
    id: id('observer-rates'),
    title: 'Flows per second by observer',
    series: 'line',
    x: overTime(),
    y: [count('Flows per second', { perSecond: true })],
    split: topValues('flowtrail.observer', 10, 'Observer'),
  });

  const exporters = table({
    ...on,
    id: id('exporters'),
    title: 'Exporters and sensors',
    description:
      'Each observer (flowtrail.observer: a NetFlow exporter as address:port, a Zeek or Suricata sensor) and what ' +
      'it reported over the time range; the chart beside it shows its rate.',
    rows: [topValues('flowtrail.observer', 20, 'Observer')],
    metrics: [count('Flows'), bytes(), sum('network.packets', 'Packets')],
  });

  return {
    id: 'flowtrail-dashboard-overview',
    title: 'flowtrail: Overview',
    description: `Flows, bytes and packets by direction and transport, services, exporters. ${OBSERVER_NOTE}`,
    from: 'now-24h',
    controls: [OBSERVER_CONTROL],
    panels: [
      small(flows),
      small(totalBytes),
      small(packets),
      small(observers),
      half(bytesByDirection),
      half(bytesByTransport),
      half(packetsByDirection),
      half(flowsByTransport),
      half(servicePorts),
      half(applications),
      half(observerRates),
      half(exporters),
    ],
  };
}
