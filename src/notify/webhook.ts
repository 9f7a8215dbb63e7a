import { urlOrigin } from '../util/url.js';
import type { Message } from './message.js';

/** One JSON POST per message. */
export function webhookSender(settings: {
  url: string;
  headers: Record<string, string>;
}): (message: Message) => Promise<void> {
  return async (message) => {
    const response = await fetch(settings.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...settings.headers },
      body: JSON.stringify(message.json),
    });
    // The path and query of a webhook URL are often its secret: the message names only where it points.
    if (!response.ok) throw new Error(`webhook ${urlOrigin(settings.url)}: HTTP ${response.status}`);
  };
}
