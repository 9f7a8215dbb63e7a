import { getJson } from '../api.js';
import { timeChart } from '../chart.js';
import { facts, h, hostLink, num, type Row, table, when } from '../dom.js';
import type { EndpointActivity, Investigation } from '../types.js';
import { scopeSection, sessionSection } from './session.js';

function endpoint(e: { ip?: string; port?: number } | undefined): Node | string {
  if (!e?.ip) return '';
  return e.port === undefined ? hostLink(e.ip) : h('span', {}, hostLink(e.ip), `:${e.port}`);
}

function activityRows(role: string, a: EndpointActivity | undefined): Row[] {
  if (!a) return [];
  return (['before', 'after'] as const).map((window) => ({
    endpoint: `${role} ${a.ip}`,
    window,
    bytes: a[window].bytes,
    flows: a[window].flows,
    peers: a[window].peers,
    ports_contacted: a[window].ports_contacted,
    ports_accessed: a[window].ports_accessed,
    new_peers: a[window].new_peer_count,
    scanning: a[window].scan.scanning ? 'yes' : 'no',
  }));
}

function newPeers(role: string, a: EndpointActivity | undefined): HTMLElement | null {
  if (!a || a.after.new_peers.length === 0) return null;
  const more = a.after.new_peer_count - a.after.new_peers.length;
  return h(
    'section',
    {},
    h('h3', {}, `New peers of the ${role} ${a.ip} after the alert (${num(a.after.new_peer_count)})`),
    h('ul', { class: 'peers' }, ...a.after.new_peers.map((ip) => h('li', {}, hostLink(ip)))),
    more > 0 ? h('p', {}, `… and ${num(more)} more`) : null,
  );
}

/** One alert as correlation sees it now (src/correlate/investigate.ts). */
export async function alert(main: HTMLElement, id: string): Promise<void> {
  const inv = await getJson<Investigation>(`/api/alerts/${encodeURIComponent(id)}/context`);
  const { alert: a, context: c } = inv;
  const title = a.rule?.name ?? a.message ?? a.flowtrail?.detection?.type ?? 'Alert';
  main.replaceChildren(
    h('h1', {}, title),
    facts([
      ['Time', when(a['@timestamp'])],
      ['Raised by', a.event?.module ?? ''],
      ['Severity', a.flowtrail?.severity ?? ''],
      ['Source', endpoint(a.source)],
      ['Destination', endpoint(a.destination)],
      ['Transport', a.network?.transport ?? ''],
      ['Flows matched', `${num(c.flow_count)} (by ${c.match.replace(/_/g, ' ')})`],
      ['Bytes, packets', `${num(c.bytes)}, ${num(c.packets)}`],
      ['Session', c.start ? `${when(c.start)} to ${when(c.end)}` : ''],
      ['First talker', c.first_talker ? hostLink(c.first_talker) : ''],
    ]),
    ...sessionSection(inv.session),
    h('h2', {}, 'Timeline'),
    timeChart(`The destination ${a.destination?.ip ?? ''} around the alert (bytes)`, inv.victim_history.map((b) => b.time), [
      { label: 'bytes', values: inv.victim_history.map((b) => b.bytes), color: '#1f77b4' },
    ]),
    timeChart(`The source ${a.source?.ip ?? ''} around the alert (bytes)`, inv.attacker_history.map((b) => b.time), [
      { label: 'bytes', values: inv.attacker_history.map((b) => b.bytes), color: '#d62728' },
    ]),
    h('h2', {}, 'Before and after'),
    table(
      'Each endpoint in the window before the alert and after it',
      ['endpoint', 'window', 'bytes', 'flows', 'peers', 'ports_contacted', 'ports_accessed', 'new_peers', 'scanning'].map(
        (key) => ({ key }),
      ),
      [...activityRows('source', c.source), ...activityRows('destination', c.destination)],
    ),
    ...[newPeers('source', c.source), newPeers('destination', c.destination)].filter((s) => s !== null),
    h('h2', {}, 'Matched flows'),
    table(
      `Flows of the alert (${num(inv.flows.length)} shown of ${num(c.flow_count)})`,
      ['time', 'transport', 'source', 'source_port', 'destination', 'destination_port', 'bytes', 'packets', 'observer'].map(
        (key) => ({ key }),
      ),
      inv.flows.map((f) => ({
        time: when(f['@timestamp']),
        transport: f.network?.transport,
        source: f.source.ip,
        source_port: f.source.port,
        destination: f.destination.ip,
        destination_port: f.destination.port,
        bytes: f.network?.bytes ?? 0,
        packets: f.network?.packets ?? 0,
        observer: f.flowtrail?.observer,
      })),
    ),
    ...scopeSection(inv.scope),
    h('h2', {}, 'Peers'),
    table(
      `Hosts that answered the source (${num(inv.attacker_peers.answered_count)})`,
      [{ key: 'ip' }, { key: 'flows' }, { key: 'bytes' }, { key: 'ports' }],
      inv.attacker_peers.answered,
    ),
    table(
      `Servers the destination contacted after the alert (${num(inv.victim_contacts_after_count)})`,
      [{ key: 'ip' }, { key: 'flows' }, { key: 'bytes' }, { key: 'ports' }],
      inv.victim_contacts_after,
    ),
  );
}
