import { h, hostLink, num, table, when } from '../dom.js';
import type { CompromiseScope, SessionMembers } from '../types.js';

function counts(s: SessionMembers): string {
  return s.datasets.map((d) => `${d.dataset.replace(/^flowtrail\./, '')} ${num(d.count)}`).join(', ');
}

/** The alert's session: every stored record of it, in time order, one line each (src/correlate/members.ts). */
export function sessionSection(s: SessionMembers): HTMLElement[] {
  const tools = [...new Set(s.alerts.map((a) => a.module))].sort();
  return [
    h('h2', {}, 'Session'),
    h('p', {}, `${num(s.member_count)} member(s): ${counts(s) || 'none'}; alerts by ${tools.join(', ') || 'no tool'}.`),
    table(
      `Members in time order (${num(s.timeline.length)} shown${s.left_out > 0 ? `, ${num(s.left_out)} left out` : ''})`,
      [{ key: 'time' }, { key: 'tool' }, { key: 'kind' }, { key: 'what' }],
      s.timeline.map((m) => ({
        time: when(m.time),
        tool: m.module,
        kind: m.kind,
        what: m.copies === undefined ? m.line : `${m.line} (${m.copies} copies)`,
      })),
      'No log, event or other alert shares this session.',
    ),
  ];
}

/** What the alert's local host did afterwards: its new sessions, each with its members (src/correlate/scope.ts). */
export function scopeSection(scope: CompromiseScope | undefined): HTMLElement[] {
  if (scope === undefined) return [];
  return [
    h('h2', {}, 'After the alert'),
    h(
      'p',
      {},
      hostLink(scope.host),
      ` opened ${num(scope.sessions_opened)} session(s) until ${when(scope.to)}, ${num(scope.session_count)} new for it${scope.scanning ? '; it is scanning' : ''}.`,
    ),
    table(
      `New sessions (${num(scope.sessions.length)} shown of ${num(scope.session_count)})`,
      [{ key: 'start' }, { key: 'server' }, { key: 'transport' }, { key: 'new' }, { key: 'flows' }, { key: 'bytes' }, { key: 'members' }],
      scope.sessions.map((s) => ({
        start: when(s.start),
        server: s.server.port === undefined ? s.server.ip : `${s.server.ip}:${s.server.port}`,
        transport: s.transport,
        new: [s.new_peer ? 'peer' : '', s.new_service ? 'service' : ''].filter(Boolean).join(', '),
        flows: s.flows,
        bytes: s.bytes,
        members: s.members.timeline.map((m) => `${m.module} ${m.line}`).join('; ') || counts(s.members),
      })),
      'It opened no session with a new peer or on a new service.',
    ),
  ];
}
