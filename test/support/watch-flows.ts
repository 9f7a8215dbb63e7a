/** Conversations for the unit tests of `watch` (app/watch), made the way its feeds make them. */
import { type FlowEntry, type FlowSample, FlowTable } from '../../app/watch/flow-table.js';

export const T0 = Date.UTC(2026, 10, 21, 22, 5, 34);

/** A TCP SYN from 10.0.0.1:40000 to 192.0.2.7:80 unless `over` says otherwise. */
export function flowSample(over: Partial<FlowSample> = {}): FlowSample {
  return {
    iface: 'eth0',
    protocol: 6,
    sourceIp: '10.0.0.1',
    destinationIp: '192.0.2.7',
    sourcePort: 40000,
    destinationPort: 80,
    start: T0,
    end: T0,
    packets: 1,
    bytes: 60,
    reversePackets: 0,
    reverseBytes: 0,
    sourceFlags: 0x02,
    destinationFlags: 0,
    state: 'S0',
    sizes: [1, 0, 0, 0, 0, 0, 0],
    open: true,
    ...over,
  };
}

/** The entries of a table handed these samples at T0. */
export function entriesOf(samples: FlowSample[]): FlowEntry[] {
  const table = new FlowTable({ keepClosed: 1000 });
  table.apply({ time: T0, samples });
  return [...table.all()];
}
