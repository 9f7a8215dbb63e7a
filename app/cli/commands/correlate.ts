import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { correlationSettings, findAlert } from '../../../src/correlate/correlator.js';
import { correlatePending, followAlerts } from '../../../src/correlate/follow.js';
import { type Investigation, investigate } from '../../../src/correlate/investigate.js';
import type { SessionMembers } from '../../../src/correlate/members.js';
import type { CompromiseScope } from '../../../src/correlate/scope.js';
import { evidenceLine } from '../../../src/detect/finding.js';
import { UsageError } from '../../../src/errors.js';
import { type PacketReference, packetReference } from '../../../src/packets/request.js';
import { parseTime } from '../../../src/reports/time.js';
import { connect } from '../../wiring/elasticsearch.js';
import { packetStoreReader } from '../../wiring/packet-store.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

interface CorrelateFlags {
  follow?: boolean;
  from?: string;
  json?: boolean;
}

/** Up to `shown` of the values, and how many more there are. */
function someOf(values: readonly string[], count: number, shown = 12): string {
  const more = Math.max(0, count - Math.min(values.length, shown));
  return `${values.slice(0, shown).join(', ')}${more > 0 ? ` … and ${more} more` : ''}`;
}

function endpoint(e: { ip?: string; port?: number } | undefined): string | undefined {
  if (e?.ip === undefined) return undefined;
  return e.port === undefined ? e.ip : `${e.ip}:${e.port}`;
}

/** The session's members in time order, one line each, and what was left out. */
function timeline(s: SessionMembers): string[] {
  const tools = [...new Set(s.alerts.map((a) => a.module))].sort();
  const lines = [
    `session members: ${s.member_count} (${s.datasets.map((d) => `${d.dataset.replace(/^flowtrail\./, '')} ${d.count}`).join(', ') || '-'}); alerts by ${tools.join(', ') || '-'}`,
  ];
  for (const m of s.timeline)
    lines.push(`  ${m.time} ${m.module} ${m.line}${m.copies !== undefined ? ` (${m.copies} copies)` : ''}`);
  if (s.left_out > 0) {
    const which = s.datasets
      .filter((d) => d.count > d.listed)
      .map((d) => `${d.count - d.listed} ${d.dataset.replace(/^flowtrail\./, '')}`);
    lines.push(`  … ${s.left_out} more member(s) not listed: ${which.join(', ')}`);
  }
  return lines;
}

/** The local host's new sessions after the alert, each with the members it has beside its flows. */
function scopeLines(scope: CompromiseScope): string[] {
  const lines = [
    `after the alert, ${scope.host} opened ${scope.sessions_opened} session(s) until ${scope.to} (as ${scope.observer} saw them), ${scope.session_count} new for it${scope.scanning ? '; it is SCANNING' : ''}:`,
  ];
  for (const s of scope.sessions) {
    const what = [s.new_peer ? 'new peer' : '', s.new_service ? 'new service' : '']
      .filter(Boolean)
      .join(', ');
    const server = s.server.port === undefined ? s.server.ip : `${s.server.ip}:${s.server.port}`;
    lines.push(
      `  ${s.start} ${s.transport ?? ''} -> ${server} (${what}): ${s.flows} flow record(s), ${s.bytes} bytes`,
    );
    for (const m of s.members.timeline) lines.push(`    ${m.time} ${m.module} ${m.line}`);
    if (s.members.left_out > 0) lines.push(`    … ${s.members.left_out} more member(s) not listed`);
  }
  if (scope.session_count > scope.sessions.length)
    lines.push(`  … ${scope.session_count - scope.sessions.length} more new session(s) not listed`);
  return lines;
}

/** `correlate <id>`'s view: the investigation, and where the session's packets are when the packet store has them. */
type AlertView = Investigation & { packets?: PacketReference };

function packetLine(p: PacketReference): string {
  const more = p.unsealed_files > 0 ? ` (and maybe more in ${p.unsealed_files} file(s) being written)` : '';
  return `packets: ${p.packets} kept in the packet store${more}: ${p.command}`;
}

function describe(view: AlertView): string {
  const a = view.alert;
  const c = view.context;
  const ends = [endpoint(a.source), endpoint(a.destination)].filter(Boolean).join(' -> ');
  const lines = [
    `${a['@timestamp']} ${a.event?.module ?? '?'} "${a.rule?.name ?? a.rule?.id ?? ''}" ${ends}`,
  ];
  const d = a.flowtrail?.detection;
  if (d?.window_start !== undefined && d.flows !== undefined)
    lines.push(
      `detection ${d.type ?? '?'} (${d.direction ?? '?'}) over ${d.window_start} .. ${d.window_end}: ${evidenceLine({ ...d, flows: d.flows })}`,
    );
  lines.push(...timeline(view.session));
  const by = c.observer === undefined ? '' : `, ${c.observer_flow_count} as ${c.observer} saw them`;
  lines.push(
    `matched ${c.flow_count} flow record(s) by ${c.match}${by} (modules: ${c.modules.join(', ') || '-'}; observers: ${c.observers.join(', ') || '-'})`,
  );
  if (c.flow_count > 0)
    lines.push(
      `session: ${c.bytes} bytes, ${c.packets} packets, opened by ${c.first_talker ?? '-'}, last talker ${c.last_talker ?? '-'}`,
    );
  if (view.packets !== undefined) lines.push(packetLine(view.packets));
  for (const side of ['source', 'destination'] as const) {
    const e = c[side];
    if (!e) continue;
    for (const when of ['before', 'after'] as const) {
      const x = e[when];
      lines.push(
        `${side} ${e.ip} ${when} (as ${x.observer} saw it): ${x.bytes} bytes in ${x.flows} flows, ${x.peers} peers (${x.new_peer_count} new), ` +
          `${x.ports_contacted} server ports contacted, ${x.ports_accessed} of its ports accessed${x.scan.scanning ? ', SCANNING' : ''}`,
      );
    }
  }
  const p = view.attacker_peers;
  if (p.answered_count > 0)
    lines.push(
      `also talking to the attacker (answered it): ${someOf(
        p.answered.map((r) => r.ip),
        p.answered_count,
      )}`,
    );
  if (p.probed_only_count > 0)
    lines.push(`only probed by the attacker (no answer): ${someOf(p.probed_only, p.probed_only_count)}`);
  if (view.victim_contacts_after_count > 0)
    lines.push(
      `victim opened conversations afterwards with: ${someOf(
        view.victim_contacts_after.map((r) => r.ip),
        view.victim_contacts_after_count,
      )}`,
    );
  if (view.scope !== undefined && view.scope.session_count > 0) lines.push(...scopeLines(view.scope));
  return lines.join('\n');
}

/**
 * `flowtrail correlate <alert-id>`: that alert, correlated now, with its surroundings.
 * `flowtrail correlate [--from T]`: every alert not yet correlated, once. `--follow`: keeps doing so.
 */
async function runCorrelate(
  alertId: string | undefined,
  config: FlowtrailConfig,
  logger: Logger,
  flags: CorrelateFlags,
): Promise<number> {
  if (alertId && flags.follow) throw new UsageError('--follow correlates every new alert; give no alert id');
  const { store: client } = await connect(config);
  const settings = correlationSettings(config);
  try {
    if (alertId) {
      const alert = await findAlert(client, settings.indices, alertId);
      if (!alert) {
        process.stderr.write(`flowtrail: no alert with id ${alertId} in ${settings.indices.alerts}\n`);
        return 1;
      }
      const investigation = await investigate(client, alert, settings);
      const packets = await packetReference(client, settings, packetStoreReader(config), alertId);
      const view: AlertView = packets === undefined ? investigation : { ...investigation, packets };
      printResult(Boolean(flags.json), view, () => describe(view));
      return 0;
    }
    const c = config.correlation;
    if (flags.follow) {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      logger.info({ alerts: settings.indices.alerts, delay_ms: c.delay }, 'correlating alerts as they come');
      await followAlerts(
        client,
        settings,
        { delayMs: c.delay, retryForMs: c.retry_for, pollMs: c.poll_interval },
        controller.signal,
        logger,
      );
      return 0;
    }
    const now = Date.now();
    const result = await correlatePending(
      client,
      settings,
      {
        until: now,
        retrySince: now - c.retry_for,
        retryAttemptBefore: now,
        ...(flags.from ? { from: parseTime(flags.from, '--from', now) } : {}),
      },
      now,
    );
    printResult(Boolean(flags.json), result, () =>
      [
        `${result.correlated} alert(s) correlated`,
        ...result.failed.map((f) => `not correlated: ${f.id}: ${f.reason}`),
      ].join('\n'),
    );
    return result.failed.length > 0 ? 1 : 0;
  } finally {
    await client.close();
  }
}

export const correlateCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  withConfig(parent.command('correlate'))
    .description('match alerts to their flows and write the context onto them; with an id, show one alert')
    .argument('[alert-id]', 'document id of one alert: correlate it and show its flows and surroundings')
    .option('--follow', 'keep correlating new alerts (after a delay for late flows) until SIGINT/SIGTERM')
    .option('--from <time>', 'only alerts from this time on (ISO, "2026-11-21 22:05", -1h)')
    .option('--json', 'print as JSON')
    .action(
      run((id: string | undefined, o: ConfigFlags & CorrelateFlags) =>
        runCorrelate(id, resolveConfig(o), logger, o),
      ),
    );
};
