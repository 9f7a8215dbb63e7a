import { describe, expect, it } from 'vitest';
import { entriesOf, flowSample, T0 } from '../../test/support/watch-flows.js';
import { columnWidths, layout, type ScreenInput } from './screen.js';
import { initialState } from './state.js';

const flows = entriesOf(
  Array.from({ length: 50 }, (_, i) =>
    flowSample({
      sourceIp: '203.0.113.66',
      destinationIp: '10.77.0.1',
      sourcePort: 46964,
      destinationPort: i + 1,
      packets: 1,
      bytes: 44 + i,
      reversePackets: 1,
      reverseBytes: 40,
      destinationFlags: 0x14,
      state: 'REJ',
    }),
  ),
);

function input(over: Partial<ScreenInput> = {}): ScreenInput {
  return {
    state: initialState(),
    flows,
    kept: flows.length,
    dropped: 0,
    source: 'uplink.pcap',
    time: T0,
    status: 'replay finished',
    width: 100,
    height: 20,
    ...over,
  };
}

describe('the watch screen', () => {
  it('fills the terminal exactly: title, tabs, totals, the table sorted, the keys', () => {
    const { lines, pageRows } = layout(input());
    expect(lines).toHaveLength(20);
    for (const line of lines) expect(line.text).toHaveLength(100);
    expect(lines[0].text).toContain('uplink.pcap  22:05:34 UTC  replay finished');
    expect(lines[1].text).toContain('[1 Flows]');
    expect(lines[2].text).toMatch(/filter: none {2}sort: bytes descending {2}flows 50\/50 {2}100 pkts/);
    expect(lines[3].text).toMatch(/^Proto +Source +Destination +State +Flags +Pkts +Bytes +Rate/);
    // Largest first: port 50's SYN carried the most bytes.
    expect(lines[4].text).toMatch(/^tcp +203\.0\.113\.66:46964 +10\.77\.0\.1:50 +REJ +S\/AR +2 +133B +0b\/s/);
    expect(pageRows).toBe(15);
    expect(lines[19].text).toMatch(/^1-6\/Tab views/);
  });

  it('scrolls within the rows, and a smaller terminal shows fewer', () => {
    const state = initialState();
    state.scroll = 1000;
    const { lines } = layout(input({ state, width: 60, height: 10 }));
    expect(lines).toHaveLength(10);
    expect(state.scroll).toBe(50 - 5);
    expect(lines[4].text).toMatch(/:5 /);
    expect(lines[8].text).toMatch(/:1 /);
    for (const line of lines) expect(line.text).toHaveLength(60);
  });

  it('says when the terminal is too small instead of drawing a broken screen', () => {
    const { lines } = layout(input({ width: 30, height: 5 }));
    expect(lines.map((l) => l.text)).toEqual(['terminal too small: 30x5', '', '', '', '']);
  });

  it('the flexible columns share the width the fixed ones leave', () => {
    const columns = [
      { title: 'a', width: 5, align: 'left' as const },
      { title: 'b', width: 10, align: 'left' as const, flex: true },
      { title: 'c', width: 10, align: 'left' as const, flex: true },
    ];
    expect(columnWidths(columns, 80)).toEqual([5, 36, 36]);
    expect(columnWidths(columns, 20)).toEqual([5, 10, 10]);
  });
});
