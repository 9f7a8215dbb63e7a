import type { PipelineRecord } from '../pipeline/types.js';
import { toAlertRecord } from '../schema/alert.js';
import type { LocalNetworks } from '../schema/locality.js';
import { type Finding, findingTitle } from './finding.js';

export const DETECTION_MODULE = 'flowtrail';

/**
 * A finding as an alert document (dataset `flowtrail.alerts`, event.module `flowtrail`) with its evidence under
 * `flowtrail.detection`. The id depends on what was found and in which window only, so running the batch mode
 * again, or over a range the live mode already saw, writes no duplicates.
 */
export function findingToAlert(f: Finding, localNetworks: LocalNetworks, now: number): PipelineRecord {
  const { ports, destinations, ...counts } = f.evidence;
  return toAlertRecord(
    {
      module: DETECTION_MODULE,
      action: f.type,
      time: f.time,
      rule: {
        id: `flowtrail.${f.type}.${f.direction}`,
        name: findingTitle(f),
        category: f.type === 'policy' ? 'Policy Violation' : f.type === 'volume' ? 'Traffic Anomaly' : 'Scan',
        ruleset: 'flowtrail',
      },
      level: f.level,
      sourceIp: f.source,
      destinationIp: f.destination,
      destinationPort: f.type === 'policy' && ports?.length === 1 ? ports[0] : undefined,
      outcomeType: f.type === 'policy' ? 'denied' : 'info',
      extra: {
        flowtrail: {
          detection: {
            type: f.type,
            direction: f.direction,
            window_start: new Date(f.windowStart).toISOString(),
            window_end: new Date(f.windowEnd).toISOString(),
            ...counts,
            ...(ports ? { ports } : {}),
            ...(destinations ? { destinations } : {}),
          },
        },
      },
      identity: `${f.type}:${f.direction}:${f.source}:${f.destination ?? ''}:${f.windowStart}`,
    },
    { localNetworks, now },
  );
}
