import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../config/schema.js';
import { emailSender } from './email.js';
import type { Message } from './message.js';
import { webhookSender } from './webhook.js';

type Send = (message: Message) => Promise<void>;

/** The configured notification channels. A channel that fails is logged; the others still get the message. */
export class Channels {
  private readonly channels: Array<{ name: string; send: Send }> = [];
  private readonly sending = new Set<Promise<void>>();

  constructor(
    config: FlowtrailConfig['notifications'],
    private readonly logger: Logger,
  ) {
    if (config.email) this.channels.push({ name: 'email', send: emailSender(config.email) });
    if (config.webhook) this.channels.push({ name: 'webhook', send: webhookSender(config.webhook) });
  }

  get enabled(): boolean {
    return this.channels.length > 0;
  }

  send(message: Message): void {
    for (const channel of this.channels) {
      const sent = channel
        .send(message)
        .catch((err: Error) =>
          this.logger.warn({ channel: channel.name, err: err.message }, 'notification failed'),
        )
        .finally(() => this.sending.delete(sent));
      this.sending.add(sent);
    }
  }

  /** Waits for every message under way. */
  async close(): Promise<void> {
    await Promise.all(this.sending);
  }
}
