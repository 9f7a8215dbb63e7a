/**
 * One screenful of `watch` as lines of text at most `width` wide: a title line, the views' tabs, the filter and
 * totals, the view's tables, and a line of keys (or the filter being typed). Pure: terminal.ts draws the lines.
 */
import { total } from './breakdowns.js';
import type { FlowEntry } from './flow-table.js';
import { bitRate, bytes, clock, count, fit } from './format.js';
import type { WatchState } from './state.js';
import { type Column, type TextTable, VIEWS, viewTables } from './views.js';

export interface Line {
  text: string;
  style: 'plain' | 'inverse' | 'bold';
}

export interface ScreenInput {
  state: WatchState;
  /** The conversations that pass the filter. */
  flows: FlowEntry[];
  /** All conversations kept, and those dropped to stay within --keep. */
  kept: number;
  dropped: number;
  /** Where the flows come from: `uplink.pcap`, `eth0`, `http://collector:8080`. */
  source: string;
  /** The feed's clock (epoch ms), when it has one. */
  time: number | undefined;
  /** What the feed is doing: `replaying x10 45%`, `finished`, `connected`… */
  status: string;
  width: number;
  height: number;
}

export const MIN_WIDTH = 40;
export const MIN_HEIGHT = 8;

const KEYS =
  '1-6/Tab views  s/S sort  r reverse  / filter  c clear  arrows PgUp PgDn scroll  p pause  ? help  q quit';

const HELP = [
  'Views: 1 flows (TCP flags source/destination, Zeek conn_state)   2 hosts (flows opened, peers, ports, failed)',
  '       3 service ports   4 interfaces and protocols   5 packet sizes   6 LAN stations (MACs in/out)',
  'Tab, Shift-Tab: next, previous view.   s, S: next, previous sort key.   r: reverse the order.',
  '/: type a filter, Enter applies it, Esc leaves it as it was.   c: clear the filter.',
  '   Filter words (all must hold): 10.0.0.0/8 or an address (either end), 443 or port 443, tcp udp icmp icmp6',
  '   or proto 47, state S0 (conn_state), vlan 10; "not" before a word turns it round.',
  'Up/Down (k/j), PgUp/PgDn, Home/End (g/G): scroll.   p or Space: pause the screen.   q or Ctrl-C: quit.',
  'Flags: S SYN, A ACK, P PSH, F FIN, R RST, U URG, E ECE, C CWR; source/destination.   Rates are bits/s.',
];

/** Widths of the columns: the fixed ones as given, the flexible ones sharing the rest (at least their width). */
export function columnWidths(columns: readonly Column[], width: number): number[] {
  const flexible = columns.filter((c) => c.flex).length;
  const fixed = columns.reduce((sum, c) => sum + (c.flex ? 0 : c.width), 0) + columns.length - 1;
  const share = flexible === 0 ? 0 : Math.floor((width - fixed) / flexible);
  return columns.map((c) => (c.flex ? Math.max(c.width, share) : c.width));
}

function row(cells: readonly string[], columns: readonly Column[], widths: readonly number[]): string {
  return cells.map((cell, i) => fit(cell, widths[i], columns[i].align)).join(' ');
}

function tabs(state: WatchState): string {
  return VIEWS.map((v) => (v.name === state.view ? `[${v.key} ${v.title}]` : ` ${v.key} ${v.title} `)).join(
    '',
  );
}

function summary(input: ScreenInput): string {
  const { state, flows, kept } = input;
  const order = state.orders[state.view];
  const all = total(flows);
  return (
    `filter: ${state.filter.text || 'none'}  sort: ${order.key} ${order.ascending ? 'ascending' : 'descending'}` +
    `  flows ${count(flows.length)}/${count(kept)}${input.dropped > 0 ? ` (${count(input.dropped)} dropped)` : ''}` +
    `  ${count(all.packets)} pkts ${bytes(all.bytes)}` +
    `  ${bitRate(all.byteRate)}`
  );
}

function bottom(state: WatchState): Line {
  if (state.typing !== undefined) return { text: `filter> ${state.typing}_`, style: 'bold' };
  if (state.message !== undefined) return { text: state.message, style: 'bold' };
  return { text: KEYS, style: 'inverse' };
}

/** The tables, the last one scrolled; keeps `state.scroll` within its rows. Returns the lines and a page's rows. */
function tableLines(state: WatchState, tables: TextTable[], width: number, room: number): [Line[], number] {
  const lines: Line[] = [];
  let pageRows = 0;
  tables.forEach((table, i) => {
    const widths = columnWidths(table.columns, width);
    if (table.title !== undefined) lines.push({ text: table.title, style: 'bold' });
    lines.push({
      text: row(
        table.columns.map((c) => c.title),
        table.columns,
        widths,
      ),
      style: 'inverse',
    });
    const last = i === tables.length - 1;
    const space = Math.max(0, room - lines.length - (last ? 0 : 1));
    const rows = last ? space : Math.min(space, table.rows.length);
    if (last) {
      pageRows = rows;
      state.scroll = Math.max(0, Math.min(state.scroll, table.rows.length - rows));
    }
    const first = last ? state.scroll : 0;
    for (const cells of table.rows.slice(first, first + rows))
      lines.push({ text: row(cells, table.columns, widths), style: 'plain' });
    if (!last) lines.push({ text: '', style: 'plain' });
  });
  return [lines.slice(0, room), pageRows];
}

/** The screen's lines (exactly `height` of them, each at most `width` long) and how many rows a page holds. */
export function layout(input: ScreenInput): { lines: Line[]; pageRows: number } {
  const { state, width, height } = input;
  if (width < MIN_WIDTH || height < MIN_HEIGHT) {
    const lines: Line[] = [
      { text: `terminal too small: ${width}x${height}`.slice(0, width), style: 'plain' },
    ];
    while (lines.length < height) lines.push({ text: '', style: 'plain' });
    return { lines, pageRows: 0 };
  }
  const at = input.time === undefined ? 'waiting for flows' : `${clock(input.time)} UTC`;
  const head: Line[] = [
    {
      text: ` flowtrail watch  ${input.source}  ${at}  ${input.status}${state.paused ? '  PAUSED' : ''}`,
      style: 'inverse',
    },
    { text: tabs(state), style: 'bold' },
    { text: summary(input), style: 'plain' },
  ];
  const room = height - head.length - 1;
  let body: Line[];
  let pageRows = 0;
  if (state.help) {
    body = HELP.map((text) => ({ text, style: 'plain' as const }));
  } else {
    [body, pageRows] = tableLines(
      state,
      viewTables(state.view, input.flows, state.orders[state.view]),
      width,
      room,
    );
  }
  const lines = [...head, ...body.slice(0, room)];
  while (lines.length < height - 1) lines.push({ text: '', style: 'plain' });
  lines.push(bottom(state));
  return { lines: lines.map((l) => ({ ...l, text: l.text.slice(0, width).padEnd(width) })), pageRows };
}
