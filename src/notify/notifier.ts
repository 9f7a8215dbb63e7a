import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../config/schema.js';
import type { Finding } from '../detect/finding.js';
import { FindingAggregator, type Notification } from './aggregate.js';
import { emailSender } from './email.js';
import { webhookSender } from './webhook.js';

type Send = (n: Notification) => Promise<void>;

/**
 * Sends each aggregated notification to every configured channel once its aggregation window has passed (or at
 * `close`). A channel that fails is logged; the others still get the message.
 */
export class Notifier {
  private readonly aggregator: FindingAggregator;
  private readonly channels: Array<{ name: string; send: Send }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly config: FlowtrailConfig['notifications'],
    private readonly logger: Logger,
  ) {
    this.aggregator = new FindingAggregator(config.aggregate_window);
    if (config.email) this.channels.push({ name: 'email', send: emailSender(config.email) });
    if (config.webhook) this.channels.push({ name: 'webhook', send: webhookSender(config.webhook) });
  }

  get enabled(): boolean {
    return this.channels.length > 0;
  }

  add(findings: readonly Finding[]): void {
    if (!this.enabled) return;
    for (const _ of this.aggregator.add(findings, Date.now())) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.sendAll(this.aggregator.due(Date.now()));
      }, this.config.aggregate_window);
      this.timers.add(timer);
    }
  }

  /** Sends whatever is still being aggregated, and waits for every message under way. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.sendAll(this.aggregator.drain());
    await Promise.all(this.sending);
  }

  private sendAll(notifications: Notification[]): void {
    for (const n of notifications) {
      for (const channel of this.channels) {
        const sent = channel
          .send(n)
          .catch((err: Error) =>
            this.logger.warn({ channel: channel.name, err: err.message }, 'notification failed'),
          )
          .finally(() => this.sending.delete(sent));
        this.sending.add(sent);
      }
    }
  }
}
