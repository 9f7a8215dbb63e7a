import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../config/schema.js';
import { Channels } from '../notify/channels.js';
import type { Message } from '../notify/message.js';
import { type Finding, findingTitle, findingView } from './finding.js';

/** What goes out as one message: everything found about one source, of one kind, within the aggregation window. */
export interface Notification {
  key: string;
  source: string;
  kind: 'scan' | 'volume' | 'policy';
  first: number;
  findings: Finding[];
}

function kindOf(f: Finding): Notification['kind'] {
  return f.type === 'port_scan' || f.type === 'address_scan' ? 'scan' : f.type;
}

/**
 * Groups findings so that one scan is one message: a scanner's port scans and address scans, in however many
 * windows, join the group its first finding opened until the aggregation window after it has passed.
 */
export class FindingAggregator {
  private readonly open = new Map<string, Notification>();

  constructor(private readonly windowMs: number) {}

  /** Returns the groups this call opened (their window starts now). */
  add(findings: readonly Finding[], now: number): Notification[] {
    const opened: Notification[] = [];
    for (const f of findings) {
      const kind = kindOf(f);
      const key = `${kind} ${f.source}`;
      let group = this.open.get(key);
      if (!group) {
        group = { key, source: f.source, kind, first: now, findings: [] };
        this.open.set(key, group);
        opened.push(group);
      }
      group.findings.push(f);
    }
    return opened;
  }

  /** Groups whose window has passed, removed from the open ones. */
  due(now: number): Notification[] {
    return this.take((g) => g.first + this.windowMs <= now);
  }

  drain(): Notification[] {
    return this.take(() => true);
  }

  private take(pick: (g: Notification) => boolean): Notification[] {
    const out: Notification[] = [];
    for (const [key, group] of this.open) {
      if (!pick(group)) continue;
      this.open.delete(key);
      out.push(group);
    }
    return out;
  }
}

function subjectOf(n: Notification): string {
  const first = n.findings[0];
  const what = n.kind === 'scan' ? `${first.direction} scan by ${n.source}` : findingTitle(first);
  return `flowtrail: ${what} (${n.findings.length} finding${n.findings.length > 1 ? 's' : ''})`;
}

function textOf(n: Notification): string {
  return n.findings
    .map((f) => {
      const e = f.evidence;
      const facts = [
        `${new Date(f.windowStart).toISOString()} .. ${new Date(f.windowEnd).toISOString()}`,
        `${e.flows} flows`,
        e.failed_share !== undefined ? `${Math.round(e.failed_share * 100)}% failed` : '',
        e.distinct_destinations !== undefined ? `${e.distinct_destinations} destinations` : '',
        e.distinct_ports !== undefined ? `${e.distinct_ports} ports` : '',
        e.ports?.length ? `ports ${e.ports.slice(0, 20).join(',')}${e.ports.length > 20 ? ',…' : ''}` : '',
        e.bytes !== undefined ? `${e.bytes} bytes (threshold ${e.threshold_bytes})` : '',
        e.policy?.length ? `policy ${e.policy.join(', ')}` : '',
      ].filter(Boolean);
      return `- ${findingTitle(f)}: ${facts.join('; ')}`;
    })
    .join('\n');
}

/** A notification as the message every channel sends. */
export function messageOf(n: Notification): Message {
  const subject = subjectOf(n);
  return {
    subject,
    text: textOf(n),
    json: { subject, source: n.source, kind: n.kind, findings: n.findings.map(findingView) },
  };
}

/**
 * Sends each aggregated notification to every configured channel once its aggregation window has passed (or at
 * `close`).
 */
export class FindingNotifier {
  private readonly aggregator: FindingAggregator;
  private readonly channels: Channels;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly config: FlowtrailConfig['notifications'],
    logger: Logger,
  ) {
    this.aggregator = new FindingAggregator(config.aggregate_window);
    this.channels = new Channels(config, logger);
  }

  add(findings: readonly Finding[]): void {
    if (!this.channels.enabled) return;
    for (const _ of this.aggregator.add(findings, Date.now())) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.send(this.aggregator.due(Date.now()));
      }, this.config.aggregate_window);
      this.timers.add(timer);
    }
  }

  /** Sends whatever is still being aggregated, and waits for every message under way. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.send(this.aggregator.drain());
    await this.channels.close();
  }

  private send(notifications: Notification[]): void {
    for (const n of notifications) this.channels.send(messageOf(n));
  }
}
