import type { SeverityLevel } from '../schema/alert.js';

export type FindingType = 'port_scan' | 'address_scan' | 'volume' | 'policy';
export type FindingDirection = 'incoming' | 'outgoing' | 'internal' | 'external';

/** One thing a detection found in one window, with the evidence that made it fire. */
export interface Finding {
  type: FindingType;
  direction: FindingDirection;
  source: string;
  destination?: string;
  /** Time of the last flow record of the evidence. */
  time: number;
  windowStart: number;
  windowEnd: number;
  level: SeverityLevel;
  evidence: {
    flows: number;
    failed_share?: number;
    distinct_ports?: number;
    distinct_destinations?: number;
    /** Up to 100 of them, ascending. */
    ports?: number[];
    destinations?: string[];
    bytes?: number;
    bytes_sent?: number;
    bytes_received?: number;
    baseline_bytes?: number;
    threshold_bytes?: number;
    policy?: string[];
  };
}

export function directionOf(
  sourceInternal: boolean,
  destinationInternal: boolean | undefined,
): FindingDirection {
  if (destinationInternal === undefined) return sourceInternal ? 'outgoing' : 'incoming';
  if (sourceInternal) return destinationInternal ? 'internal' : 'outgoing';
  return destinationInternal ? 'incoming' : 'external';
}

const TITLES: Record<FindingType, string> = {
  port_scan: 'port scan',
  address_scan: 'address scan',
  volume: 'abnormal traffic volume',
  policy: 'unauthorized access',
};

export function findingTitle(f: Finding): string {
  if (f.type === 'volume') return `${TITLES.volume} of ${f.source}`;
  if (f.type === 'policy')
    return `${TITLES.policy} (${f.evidence.policy?.join(', ')}) from ${f.source} to ${f.destination}`;
  return `${f.direction} ${TITLES[f.type]} by ${f.source}${f.destination ? ` of ${f.destination}` : ''}`;
}
