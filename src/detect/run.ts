import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../config/schema.js';
import { FLOW_SOURCE_FIELDS, type FlowDoc } from '../correlate/documents.js';
import { endedBetween, type Hit, iso } from '../correlate/es.js';
import { sleep } from '../pipeline/backoff.js';
import type { TimeRange } from '../reports/time.js';
import type { StoreClient } from '../store/client.js';
import { VolumeBaseline } from './baseline.js';
import { DetectionEngine } from './engine.js';
import type { Finding } from './finding.js';
import { AccessPolicy } from './policy.js';
import { sampleOf } from './sample.js';
import { seedBaseline } from './seed.js';

export function createEngine(config: FlowtrailConfig, baseline = new VolumeBaseline()): DetectionEngine {
  const d = config.detections;
  return new DetectionEngine(
    {
      windowMs: d.window,
      latenessMs: d.lateness,
      scan: {
        minPorts: d.scan.min_ports,
        minDestinations: d.scan.min_destinations,
        minFailedShare: d.scan.min_failed_share,
      },
      volume: {
        enabled: d.volume.enabled,
        minBytes: d.volume.min_bytes,
        deviations: d.volume.deviations,
        minHistory: d.volume.min_history,
      },
    },
    new AccessPolicy(d.policies),
    baseline,
  );
}

const PAGE = 5000;
const SCROLL = '2m';

type Page = { _scroll_id?: string; hits: { hits: Array<Hit<FlowDoc>> } };

/** Every flow of a query in @timestamp order, page by page (scroll: a consistent view of a large range). */
async function* flowPages(
  client: StoreClient,
  index: string,
  query: Record<string, unknown>,
): AsyncGenerator<Array<Hit<FlowDoc>>> {
  let page = (await client.search(
    index,
    { size: PAGE, query, sort: [{ '@timestamp': 'asc' }], _source: FLOW_SOURCE_FIELDS },
    { scroll: SCROLL },
  )) as Page;
  try {
    while (page.hits.hits.length > 0) {
      yield page.hits.hits;
      if (!page._scroll_id) return;
      page = (await client.scroll(page._scroll_id, SCROLL)) as Page;
    }
  } finally {
    if (page._scroll_id) await client.clearScroll(page._scroll_id).catch(() => undefined);
  }
}

/** Batch mode: the detections over every flow of a time range, baselines started from the summaries before it. */
export async function detectRange(
  client: StoreClient,
  config: FlowtrailConfig,
  flows: string,
  range: TimeRange,
): Promise<Finding[]> {
  const baseline = new VolumeBaseline();
  await seedBaseline(client, config, baseline, range.from);
  const engine = createEngine(config, baseline);
  const findings: Finding[] = [];
  for await (const page of flowPages(client, flows, endedBetween(range.from, range.to)))
    for (const hit of page) findings.push(...engine.push(sampleOf(hit._source)));
  findings.push(...engine.flush());
  return findings;
}

/**
 * Live mode: flows as they are indexed, fed to one engine that keeps its windows and baselines between polls;
 * findings are handed over as their windows close. New flows are found by `event.created` (when flowtrail built
 * the record). A record becomes searchable some time after that (batching, refresh), so each poll looks back
 * `settleMs` before the newest record seen and skips the ids it already has.
 */
export async function followDetections(
  client: StoreClient,
  config: FlowtrailConfig,
  flows: string,
  options: { pollMs: number; since: number; settleMs: number },
  signal: AbortSignal,
  logger: Logger,
  onFindings: (findings: Finding[]) => Promise<void>,
): Promise<void> {
  const baseline = new VolumeBaseline();
  await seedBaseline(client, config, baseline, options.since);
  const engine = createEngine(config, baseline);
  let newest = options.since;
  const seen = new Map<string, number>();
  while (!signal.aborted) {
    try {
      const from = newest - options.settleMs;
      const found: Finding[] = [];
      for await (const page of flowPages(client, flows, { range: { 'event.created': { gte: iso(from) } } })) {
        for (const hit of page) {
          if (seen.has(hit._id)) continue;
          const created = Date.parse(hit._source.event?.created ?? hit._source['@timestamp']);
          seen.set(hit._id, created);
          newest = Math.max(newest, created);
          found.push(...engine.push(sampleOf(hit._source)));
        }
      }
      for (const [id, created] of seen) if (created < newest - options.settleMs) seen.delete(id);
      if (found.length > 0) await onFindings(found);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'detection pass failed; retrying next interval');
    }
    await sleep(options.pollMs, signal);
  }
  const rest = engine.flush();
  if (rest.length > 0) await onFindings(rest);
}
