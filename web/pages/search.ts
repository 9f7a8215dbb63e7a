import { getJson } from '../api.js';
import { type Column, h, num, table, when } from '../dom.js';
import type { FlowSearch } from '../types.js';

/** The search fields, named as the API's query parameters, with their labels and hints. */
const FIELDS: Array<[string, string, string]> = [
  ['from', 'From', '-1h'],
  ['to', 'To', 'now'],
  ['ip', 'Address or network', '10.0.0.0/8'],
  ['local_port', 'Local port', '443'],
  ['remote_port', 'Remote port', '53'],
  ['protocol', 'Protocol', 'tcp'],
  ['min_bytes', 'At least bytes', '0'],
  ['max_bytes', 'At most bytes', ''],
  ['first_talker', 'First talker (opened by)', '10.77.0.5'],
  ['limit', 'Rows at most', '100'],
];

const COLUMNS: Column[] = [
  { key: 'time', render: (r) => when(String(r.time)) },
  { key: 'transport' },
  { key: 'source' },
  { key: 'source_port', label: 'port' },
  { key: 'destination' },
  { key: 'destination_port', label: 'port' },
  { key: 'icmp', label: 'ICMP type/code' },
  { key: 'bytes' },
  { key: 'packets' },
  { key: 'observer' },
];

/** IPAudit's log search: every filter of `flowtrail search`, the matching flows, and a CSV of them. */
export async function search(main: HTMLElement): Promise<void> {
  const here = new URLSearchParams(location.search);
  const query = new URLSearchParams();
  for (const [name] of FIELDS) {
    const value = here.get(name);
    if (value) query.set(name, value);
  }
  const form = h(
    'form',
    { method: 'get', class: 'search', 'aria-label': 'Search flows' },
    ...FIELDS.map(([name, label, hint]) =>
      h(
        'span',
        { class: 'field' },
        h('label', { for: `f-${name}` }, label),
        h('input', { id: `f-${name}`, name, value: here.get(name) ?? '', placeholder: hint }),
      ),
    ),
    h('button', { type: 'submit' }, 'Search'),
  );
  const results = h('div', { id: 'results' });
  main.replaceChildren(h('h1', {}, 'Search flows'), form, results);
  if (!here.has('from') && query.size === 0) {
    results.append(h('p', {}, 'Give a time range or any filter, then Search.'));
    return;
  }
  const found = await getJson<FlowSearch>('/api/flows', query);
  const rows = found.flows.map((f) => ({
    ...f,
    icmp: f.icmp_type === undefined ? undefined : `${f.icmp_type}/${f.icmp_code ?? ''}`,
  }));
  const total = `${found.total_is_lower_bound ? 'at least ' : ''}${num(found.total)}`;
  results.replaceChildren(
    h(
      'p',
      { role: 'status' },
      `${total} matching flows from ${when(found.from)} to ${when(found.to)}`,
      found.truncated ? `; the first ${num(rows.length)} are shown.` : '.',
    ),
    h('p', {}, h('a', { href: `/api/flows.csv?${query}`, download: 'flows.csv' }, 'Download these flows as CSV')),
    table('Matching flows, oldest first', COLUMNS, rows),
  );
}
