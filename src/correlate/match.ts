import type { AlertDoc } from './documents.js';
import { activeBetween } from './es.js';
import { NOT_A_REPLY } from './flow-queries.js';

export type MatchStrategy = 'community_id' | 'five_tuple' | 'host_pair' | 'detection';

export interface MatchPlan {
  strategy: MatchStrategy;
  query: Record<string, unknown>;
}

export interface MatchOptions {
  toleranceMs: number;
  scanLookbackMs: number;
}

/**
 * The flows a detection of flowtrail's judged: those that ended in its window, of its source; for a scan only the
 * conversations the source opened (the probes), for a volume anomaly both directions, for a policy breach those
 * to the destination.
 */
function detectionPlan(alert: AlertDoc): MatchPlan | undefined {
  const d = alert.flowtrail?.detection;
  const source = alert.source?.ip;
  if (d?.window_start === undefined || d.window_end === undefined || source === undefined) return undefined;
  const filter: Record<string, unknown>[] = [
    { range: { '@timestamp': { gte: d.window_start, lt: d.window_end } } },
  ];
  if (d.type === 'volume') filter.push({ term: { 'related.ip': source } });
  else filter.push({ term: { 'source.ip': source } }, NOT_A_REPLY);
  if (alert.destination?.ip !== undefined) filter.push({ term: { 'destination.ip': alert.destination.ip } });
  if (d.type === 'policy' && d.ports !== undefined) filter.push({ terms: { 'destination.port': d.ports } });
  return { strategy: 'detection', query: { bool: { filter } } };
}

/**
 * How to find an alert's flows, most precise first; the correlator uses the first plan that finds any.
 * Community ID (seedless, direction-free) within the time tolerance; else the 5-tuple in either direction; else,
 * for alerts without ports (Snort's portscan preprocessor), the source→destination pair over the span before the
 * alert in which the scan it reports took place. flowtrail's own detections are matched to the flows they judged.
 */
export function matchPlans(alert: AlertDoc, options: MatchOptions): MatchPlan[] {
  const detection = detectionPlan(alert);
  if (detection !== undefined) return [detection];
  const time = Date.parse(alert['@timestamp']);
  const around = activeBetween(time - options.toleranceMs, time + options.toleranceMs);
  const transport = alert.network?.transport;
  const transportFilter = transport ? [{ term: { 'network.transport': transport } }] : [];
  const plans: MatchPlan[] = [];
  const communityId = alert.network?.community_id;
  if (communityId) {
    plans.push({
      strategy: 'community_id',
      query: { bool: { filter: [around, { term: { 'network.community_id': communityId } }] } },
    });
  }
  const s = alert.source;
  const d = alert.destination;
  if (s?.ip && d?.ip && s.port !== undefined && d.port !== undefined) {
    const direction = (a: typeof s, b: typeof d) => ({
      bool: {
        filter: [
          { term: { 'source.ip': a.ip } },
          { term: { 'source.port': a.port } },
          { term: { 'destination.ip': b.ip } },
          { term: { 'destination.port': b.port } },
        ],
      },
    });
    plans.push({
      strategy: 'five_tuple',
      query: {
        bool: {
          filter: [around, ...transportFilter],
          should: [direction(s, d), direction(d, s)],
          minimum_should_match: 1,
        },
      },
    });
  }
  if (s?.ip && d?.ip && (s.port === undefined || d.port === undefined)) {
    plans.push({
      strategy: 'host_pair',
      query: {
        bool: {
          filter: [
            activeBetween(time - options.scanLookbackMs, time + options.toleranceMs),
            ...transportFilter,
            { term: { 'source.ip': s.ip } },
            { term: { 'destination.ip': d.ip } },
          ],
        },
      },
    });
  }
  return plans;
}
