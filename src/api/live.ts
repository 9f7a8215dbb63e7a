import { setTimeout as sleep } from 'node:timers/promises';
import type { Indices } from '../correlate/es.js';
import { StoreError } from '../errors.js';
import { ArrivalCursor, pollArrivals } from '../reports/arrivals.js';
import type { StoreClient } from '../store/client.js';
import { NO_STORE, SECURITY_HEADERS } from './headers.js';
import type { Streamer } from './server.js';
import { eventText, retryText } from './sse.js';

/** Often enough to feel live, seldom enough that a few open pages cost the cluster little. */
export const POLL_MS = 2000;
/** Flows and alerts per event at most: a page shows the newest, a burst beyond is counted. */
const BATCH = 200;

/** The position a reconnecting browser sends back (`Last-Event-ID`), else now: a new follower sees what comes next. */
function startOf(lastEventId: string | string[] | undefined, now: number): number {
  const position = Number(lastEventId);
  return Number.isSafeInteger(position) && position > 0 && position <= now ? position : now;
}

/**
 * `/api/live`: server-sent events of what the store receives: an `arrivals` event per poll (new flows and alerts,
 * rates per transport), `unavailable` while Elasticsearch does not answer, until the browser leaves.
 */
export function liveStream(client: StoreClient, indices: Indices): Streamer {
  return ({ req, res, closed, logger }) => {
    const start = startOf(req.headers['last-event-id'], Date.now());
    const cursors = { flows: new ArrivalCursor(start), alerts: new ArrivalCursor(start) };
    res.writeHead(200, { ...SECURITY_HEADERS, ...NO_STORE, 'content-type': 'text/event-stream' });
    res.write(retryText(POLL_MS));
    const follow = async () => {
      while (!closed.aborted) {
        try {
          const arrivals = await pollArrivals(client, indices, cursors, BATCH, Date.now());
          res.write(eventText({ event: 'arrivals', id: String(arrivals.position), data: arrivals }));
        } catch (err) {
          if (!(err instanceof StoreError)) throw err;
          res.write(eventText({ event: 'unavailable', data: { error: 'Elasticsearch could not answer' } }));
        }
        await sleep(POLL_MS, undefined, { signal: closed }).catch(() => undefined);
      }
    };
    follow().then(
      () => res.end(),
      (err: Error) => {
        logger.error({ err }, 'live stream failed');
        res.end();
      },
    );
  };
}
