import type { Logger } from 'pino';
import { sleep } from '../pipeline/backoff.js';
import type { StoreClient } from '../store/client.js';
import { type CorrelationSettings, correlateAlert, writeContext } from './correlator.js';
import type { AlertDoc } from './documents.js';
import { type Hit, iso, search } from './es.js';

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

function pendingQuery(o: PendingOptions): { bool: Record<string, unknown> } {
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

export interface PendingResult {
  correlated: number;
  /** Alerts that could not be correlated or updated this pass; they stay pending and are tried next time. */
  failed: Array<{ id: string; reason: string }>;
}

/** Correlates every alert that is due, oldest first, and makes the updates visible. */
export async function correlatePending(
  client: StoreClient,
  settings: CorrelationSettings,
  options: PendingOptions,
  now = Date.now(),
): Promise<PendingResult> {
  const result: PendingResult = { correlated: 0, failed: [] };
  const fail = (hit: Hit<AlertDoc>) => (err: Error) => {
    result.failed.push({ id: hit._id, reason: err.message });
  };
  for (;;) {
    // Each page's updates are refreshed before the next query, which then no longer finds them; alerts that
    // failed are left out explicitly, so that one bad alert cannot hold up the others.
    const query = pendingQuery(options);
    if (result.failed.length > 0)
      (query.bool as Record<string, unknown>).must_not = { ids: { values: result.failed.map((f) => f.id) } };
    const page = await search<AlertDoc>(client, settings.indices.alerts, {
      size: PAGE,
      query,
      sort: [{ '@timestamp': 'asc' }],
    });
    // Each alert's context is written back while the next alert is correlated: the update waits for the
    // translog to reach the disk, and the searches need not wait for that. One update is in flight at a time.
    let writing: Promise<void> = Promise.resolve();
    for (const hit of page.hits.hits) {
      const correlated = await correlateAlert(client, hit._source, settings, now).catch(fail(hit));
      await writing;
      if (correlated === undefined) continue;
      writing = writeContext(client, hit, correlated.context).then(() => {
        result.correlated++;
      }, fail(hit));
    }
    await writing;
    if (page.hits.hits.length === 0) return result;
    await client.refresh(settings.indices.alerts);
    if (page.hits.hits.length < PAGE) return result;
  }
}

export interface FollowOptions {
  delayMs: number;
  retryForMs: number;
  pollMs: number;
}

/** `flowtrail correlate --follow`: a pass every poll interval until the signal aborts. */
export async function followAlerts(
  client: StoreClient,
  settings: CorrelationSettings,
  options: FollowOptions,
  signal: AbortSignal,
  logger: Logger,
  onPass: (result: PendingResult) => void = () => {},
): Promise<void> {
  while (!signal.aborted) {
    const now = Date.now();
    try {
      const { correlated, failed } = await correlatePending(
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
      for (const f of failed)
        logger.warn({ alert: f.id, err: f.reason }, 'alert not correlated; retrying next pass');
      onPass({ correlated, failed });
    } catch (err) {
      // Elasticsearch being away for a while must not end the loop: the next pass picks up where this one failed.
      logger.warn({ err: (err as Error).message }, 'correlation pass failed; retrying next interval');
    }
    await sleep(options.pollMs, signal);
  }
}
