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

/** A finding as flowtrail prints and sends it: snake_case keys, ISO 8601 UTC times, the title people read. */
export interface FindingView {
  time: string;
  severity: SeverityLevel;
  title: string;
  type: FindingType;
  direction: FindingDirection;
  source: string;
  destination?: string;
  window_start: string;
  window_end: string;
  evidence: Finding['evidence'];
}

export function findingView(f: Finding): FindingView {
  return {
    time: new Date(f.time).toISOString(),
    severity: f.level,
    title: findingTitle(f),
    type: f.type,
    direction: f.direction,
    source: f.source,
    ...(f.destination !== undefined ? { destination: f.destination } : {}),
    window_start: new Date(f.windowStart).toISOString(),
    window_end: new Date(f.windowEnd).toISOString(),
    evidence: f.evidence,
  };
}

const LISTED = 12;

function listed(values: ReadonlyArray<string | number>): string {
  const shown = values.slice(0, LISTED).join(' ');
  return values.length > LISTED ? `${shown} … (${values.length})` : shown;
}

/** The evidence in a line: what made the finding fire, in the words of the detection's thresholds. */
export function evidenceLine(e: Finding['evidence']): string {
  return [
    `${e.flows} flows`,
    e.failed_share !== undefined ? `${Math.round(e.failed_share * 100)}% failed` : '',
    e.distinct_destinations !== undefined ? `${e.distinct_destinations} destinations` : '',
    e.distinct_ports !== undefined ? `${e.distinct_ports} ports` : '',
    e.ports?.length ? `ports ${listed(e.ports)}` : '',
    e.destinations?.length ? `destinations ${listed(e.destinations)}` : '',
    e.bytes !== undefined ? `${e.bytes} bytes` : '',
    e.baseline_bytes !== undefined ? `usually ${e.baseline_bytes}` : '',
    e.threshold_bytes !== undefined ? `threshold ${e.threshold_bytes}` : '',
    e.policy?.length ? `policy ${e.policy.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}
