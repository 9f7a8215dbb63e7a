import { type Notification, subjectOf } from './aggregate.js';

/** One JSON POST per notification. */
export function webhookSender(settings: {
  url: string;
  headers: Record<string, string>;
}): (n: Notification) => Promise<void> {
  return async (n) => {
    const response = await fetch(settings.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...settings.headers },
      body: JSON.stringify({ subject: subjectOf(n), source: n.source, kind: n.kind, findings: n.findings }),
    });
    if (!response.ok) throw new Error(`webhook ${settings.url}: HTTP ${response.status}`);
  };
}
