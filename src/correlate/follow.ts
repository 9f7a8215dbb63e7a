import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { sleep } from '../pipeline/backoff.js';
import { type CorrelationSettings, correlateAlert, writeContext } from './correlator.js';
import type { AlertDoc } from './documents.js';
import { iso, search } from './es.js';

export interface PendingOptions {
  /** Alerts after this are left for a later pass, so that their (late) flows can arrive first. */
  until: number;
  /** Alerts that matched no flow are tried again while they are younger than this… */
  retrySince: number;
  /** …and at most once per pass interval: only when their last attempt was before this. */
  retryAttemptBefore: number;
  from?: number;
}

const PAGE = 200;

function pendingQuery(o: PendingOptions): Record<string, unknown> {
  const context = 'flowtrail.context';
  return {
    bool: {
      filter: [{ range: { '@timestamp': { lte: iso(o.until), ...(o.from ? { gte: iso(o.from) } : {}) } } }],
      should: [
        { bool: { must_not: { exists: { field: `${context}.correlated_at` } } } },
        {
          bool: {
            filter: [
              { term: { [`${context}.match`]: 'none' } },
              { range: { '@timestamp': { gte: iso(o.retrySince) } } },
              { range: { [`${context}.correlated_at`]: { lt: iso(o.retryAttemptBefore) } } },
            ],
          },
        },
      ],
      minimum_should_match: 1,
    },
  };
}

/** Correlates every alert that is due, oldest first, and makes the updates visible; returns how many. */
export async function correlatePending(
  client: Client,
  settings: CorrelationSettings,
  options: PendingOptions,
  now = Date.now(),
): Promise<number> {
  let done = 0;
  for (;;) {
    // Each page's updates are refreshed before the next query, which then no longer finds them.
    const page = await search<AlertDoc>(client, settings.indices.alerts, {
      size: PAGE,
      query: pendingQuery(options),
      sort: [{ '@timestamp': 'asc' }],
    });
    for (const hit of page.hits.hits) {
      const { context } = await correlateAlert(client, hit._source, settings, now);
      await writeContext(client, hit, context);
      done++;
    }
    if (page.hits.hits.length === 0) return done;
    await client.indices.refresh({ index: settings.indices.alerts, ignore_unavailable: true });
    if (page.hits.hits.length < PAGE) return done;
  }
}

export interface FollowOptions {
  delayMs: number;
  retryForMs: number;
  pollMs: number;
}

/** `flowtrail correlate --follow`: a pass every poll interval until the signal aborts. */
export async function followAlerts(
  client: Client,
  settings: CorrelationSettings,
  options: FollowOptions,
  signal: AbortSignal,
  logger: Logger,
  onPass: (correlated: number) => void = () => {},
): Promise<void> {
  while (!signal.aborted) {
    const now = Date.now();
    try {
      const correlated = await correlatePending(
        client,
        settings,
        {
          until: now - options.delayMs,
          retrySince: now - options.retryForMs,
          retryAttemptBefore: now - options.pollMs,
        },
        now,
      );
      if (correlated > 0) logger.info({ correlated }, 'alerts correlated');
      onPass(correlated);
    } catch (err) {
      // Elasticsearch being away for a while must not end the loop: the next pass picks up where this one failed.
      logger.warn({ err: (err as Error).message }, 'correlation pass failed; retrying next interval');
    }
    await sleep(options.pollMs, signal);
  }
}
