/** Small helpers to build the pages' markup without a framework: elements, numbers, tables, links. */

type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  for (const child of children)
    if (child !== null && child !== undefined && child !== false)
      el.append(child instanceof Node ? child : String(child));
  return el;
}

// One notation whatever the browser's language, so that figures read the same as the CLI's and in every test.
const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export function num(value: number): string {
  return Number.isInteger(value) ? INTEGER.format(value) : DECIMAL.format(value);
}

/** A time as UTC to the second, the way the CLI and the range fields write it. */
export function when(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '';
}

/** The page's time range, as its address gives it; an empty value leaves the API's default. */
export function rangeParams(): URLSearchParams {
  const here = new URLSearchParams(location.search);
  const range = new URLSearchParams();
  for (const key of ['from', 'to']) {
    const value = here.get(key);
    if (value) range.set(key, value);
  }
  return range;
}

/** A console path with the page's time range kept. */
export function withRange(path: string, extra: Record<string, string> = {}): string {
  const query = rangeParams();
  for (const [key, value] of Object.entries(extra)) query.set(key, value);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function hostLink(ip: string): HTMLAnchorElement {
  return h('a', { href: withRange(`/hosts/${encodeURIComponent(ip)}`) }, ip);
}

export type Cell = string | number | number[] | null | undefined;
export type Row = Record<string, Cell>;

export interface Column {
  key: string;
  label?: string;
  /** Drawn instead of the plain value (a link). */
  render?: (row: Row) => Child;
}

/** Columns that hold an address: their values link to the address's host page. */
const ADDRESS_COLUMNS = new Set(['ip', 'a', 'b', 'host', 'source', 'destination']);

/** Columns of identifiers, not quantities: written without grouping (port 5201, not 5,201). */
const PLAIN_COLUMNS = new Set(['port', 'source_port', 'destination_port']);

function cellText(key: string, value: Cell): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(' ');
  if (typeof value === 'number') return PLAIN_COLUMNS.has(key) ? String(value) : num(value);
  return value;
}

function cell(column: Column, row: Row): Child {
  if (column.render) return column.render(row);
  const value = row[column.key];
  if (ADDRESS_COLUMNS.has(column.key) && typeof value === 'string' && value !== '') return hostLink(value);
  return cellText(column.key, value);
}

/** A data table with a caption and column headers, numbers aligned right; says so when there are no rows. */
export function table(caption: string, columns: Column[], rows: Row[], empty = 'Nothing in this range.'): HTMLElement {
  if (rows.length === 0) return h('section', {}, h('h3', {}, caption), h('p', { class: 'empty' }, empty));
  const head = h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c.label ?? c.key.replace(/_/g, ' '))));
  const body = rows.map((row) =>
    h(
      'tr',
      {},
      ...columns.map((c) => h('td', typeof row[c.key] === 'number' ? { class: 'n' } : {}, cell(c, row))),
    ),
  );
  return h(
    'div',
    { class: 'scroll' },
    h('table', {}, h('caption', {}, caption), h('thead', {}, head), h('tbody', {}, ...body)),
  );
}

/** Label–value pairs, as a description list. */
export function facts(pairs: Array<[string, Child]>): HTMLDListElement {
  return h('dl', { class: 'facts' }, ...pairs.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

/** The time range form: its fields submit to the same page, keeping the page's other fields. */
export function rangeForm(keep: Record<string, string> = {}): HTMLFormElement {
  const here = new URLSearchParams(location.search);
  const field = (name: string, label: string, hint: string) =>
    h(
      'span',
      { class: 'field' },
      h('label', { for: `range-${name}` }, label),
      h('input', {
        id: `range-${name}`,
        name,
        value: here.get(name) ?? '',
        placeholder: hint,
        'aria-describedby': 'range-help',
      }),
    );
  return h(
    'form',
    { class: 'range', method: 'get', 'aria-label': 'Time range' },
    field('from', 'From', '-1h'),
    field('to', 'To', 'now'),
    ...Object.entries(keep).map(([name, value]) => h('input', { type: 'hidden', name, value })),
    h('button', { type: 'submit' }, 'Show'),
    h(
      'p',
      { id: 'range-help', class: 'help' },
      'UTC: "2026-11-21 22:05", ISO 8601, or relative like -6h; empty: the last hour.',
    ),
  );
}
