/** Server-sent events as the HTML standard frames them: field lines, then a blank line ends the event. */

export interface ServerEvent {
  /** The event's type, which the page listens for (`addEventListener(event, …)`). */
  event: string;
  /** Sent as JSON, which never holds a line break of its own. */
  data: unknown;
  /** What the browser sends back as `Last-Event-ID` when it reconnects. */
  id?: string;
}

/** One event's text. Names and ids are the server's own words; a line break in one would forge fields. */
export function eventText({ event, data, id }: ServerEvent): string {
  for (const field of [event, id ?? ''])
    if (/[\r\n]/.test(field)) throw new Error('a server-sent event field cannot hold a line break');
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}

/** How long the browser waits before reconnecting a stream that ended. */
export function retryText(ms: number): string {
  return `retry: ${Math.round(ms)}\n\n`;
}
