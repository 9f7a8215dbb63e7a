import { describe, expect, it } from 'vitest';
import { flowSample, T0 } from '../../test/support/watch-flows.js';
import { FlowTable } from './flow-table.js';

const sample = flowSample;

function only(table: FlowTable) {
  const entries = [...table.all()];
  expect(entries).toHaveLength(1);
  return entries[0];
}

describe('the flow table', () => {
  it('counts an open record’s growth once, and its rate over the feed’s clock', () => {
    const table = new FlowTable({ keepClosed: 100 });
    table.apply({ time: T0, samples: [sample()] });
    table.apply({
      time: T0 + 2000,
      samples: [sample({ packets: 5, bytes: 4060, reversePackets: 3, reverseBytes: 2000, end: T0 + 1900 })],
    });
    const entry = only(table);
    expect(entry).toMatchObject({
      packets: 5,
      bytes: 4060,
      reversePackets: 3,
      reverseBytes: 2000,
      last: T0 + 1900,
    });
    // 4000 + 2000 bytes and 7 packets came in the 2 s since the first update.
    expect(entry.byteRate).toBe(3000);
    expect(entry.packetRate).toBe(3.5);
    // The same record again, unchanged: nothing is counted twice, and its rate falls to zero at the next update.
    table.apply({ time: T0 + 3000, samples: [] });
    expect(only(table)).toMatchObject({ packets: 5, bytes: 4060, byteRate: 0, packetRate: 0 });
  });

  it('a finished record adds what grew since its last open sample, then the next record adds all of its own', () => {
    const table = new FlowTable({ keepClosed: 100 });
    table.apply({ time: T0, samples: [sample({ packets: 2, bytes: 100 })] });
    table.apply({
      time: T0 + 1000,
      samples: [
        // An active timeout: the first record ends at 3 packets, the next starts with 1.
        sample({ packets: 1, bytes: 40, start: T0 + 900, end: T0 + 900 }),
        sample({ packets: 3, bytes: 150, end: T0 + 800, open: false }),
      ],
    });
    expect(only(table)).toMatchObject({ packets: 4, bytes: 190, open: true, recentPackets: 2 });
  });

  it('joins the two directions of a conversation (NetFlow’s two records) into one entry', () => {
    const table = new FlowTable({ keepClosed: 100 });
    table.apply({
      time: T0,
      samples: [
        sample({ open: false, packets: 4, bytes: 400, sourceFlags: 0x1a }),
        sample({
          open: false,
          sourceIp: '192.0.2.7',
          destinationIp: '10.0.0.1',
          sourcePort: 80,
          destinationPort: 40000,
          packets: 3,
          bytes: 900,
          sourceFlags: 0x12,
          start: T0 + 1,
          end: T0 + 50,
        }),
      ],
    });
    expect(only(table)).toMatchObject({
      sourceIp: '10.0.0.1',
      packets: 4,
      bytes: 400,
      reversePackets: 3,
      reverseBytes: 900,
      sourceFlags: 0x1a,
      destinationFlags: 0x12,
      last: T0 + 50,
    });
  });

  it('adds packet sizes like packets, and keeps VLANs apart', () => {
    const table = new FlowTable({ keepClosed: 100 });
    table.apply({ time: T0, samples: [sample({ sizes: [1, 0, 0, 0, 0, 0, 0] })] });
    table.apply({
      time: T0 + 1000,
      samples: [sample({ packets: 3, sizes: [1, 0, 0, 0, 0, 2, 0] }), sample({ vlan: 10 })],
    });
    const entries = [...table.all()];
    expect(entries.map((e) => [e.vlan, e.sizes])).toEqual([
      [undefined, [1, 0, 0, 0, 0, 2, 0]],
      [10, [1, 0, 0, 0, 0, 0, 0]],
    ]);
  });

  it('keeps at most keepClosed finished conversations, dropping those idle longest', () => {
    const table = new FlowTable({ keepClosed: 10 });
    const finished = Array.from({ length: 12 }, (_, i) =>
      sample({ sourcePort: 41000 + i, end: T0 + i, open: false }),
    );
    table.apply({ time: T0, samples: [...finished, sample({ sourcePort: 50000 })] });
    const ports = [...table.all()].map((e) => e.sourcePort);
    // 2 over the limit, and a tenth of it more: the 3 idle longest go; the open one stays.
    expect(table.dropped).toBe(3);
    expect(ports).toEqual([41003, 41004, 41005, 41006, 41007, 41008, 41009, 41010, 41011, 50000]);
  });
});
