/** The shapes of the API's answers the pages read (src/reports and src/correlate write them). */
import type { Row } from './dom.js';

export interface ReportResult {
  report: string;
  from: string;
  to: string;
  columns: string[];
  rows: Row[];
}

export interface Traffic {
  from: string;
  to: string;
  interval: string;
  buckets: Array<{
    time: string;
    bytes: number;
    packets: number;
    flows: number;
    in: number;
    out: number;
    internal: number;
    external: number;
  }>;
}

export interface AlertList {
  total: number;
  alerts: Row[];
}

export interface HostLog {
  ip: string;
  from: string;
  to: string;
  flows: number;
  bytes_out: number;
  bytes_in: number;
  observers: Row[];
  talked_to: Row[];
  services_used: Row[];
  services_offered: Row[];
  accessed_by: Row[];
  over_time: Array<{ time: string; bytes_out: number; bytes_in: number; flows: number }>;
}

export interface FlowSearch {
  from: string;
  to: string;
  total: number;
  total_is_lower_bound: boolean;
  truncated: boolean;
  flows: Row[];
}

interface Activity {
  observer: string;
  bytes: number;
  flows: number;
  peers: number;
  ports_contacted: number;
  ports_accessed: number;
  new_peers: string[];
  new_peer_count: number;
  scan: { scanning: boolean };
}

export interface EndpointActivity {
  ip: string;
  before: Activity;
  after: Activity;
}

interface Endpoint {
  ip?: string;
  port?: number;
}

export interface FlowDoc {
  id: string;
  '@timestamp': string;
  source: Endpoint;
  destination: Endpoint;
  network?: { transport?: string; bytes?: number; packets?: number };
  flowtrail?: { observer?: string };
}

export interface Investigation {
  alert: {
    id: string;
    '@timestamp': string;
    message?: string;
    event?: { module?: string };
    rule?: { name?: string };
    source?: Endpoint;
    destination?: Endpoint;
    network?: { transport?: string };
    flowtrail?: { severity?: string; detection?: { type?: string } };
  };
  context: {
    match: string;
    flow_count: number;
    bytes: number;
    packets: number;
    start?: string;
    end?: string;
    first_talker?: string;
    source?: EndpointActivity;
    destination?: EndpointActivity;
  };
  flows: FlowDoc[];
  session: SessionMembers;
  scope?: CompromiseScope;
  victim_history: Array<{ time: string; flows: number; bytes: number }>;
  attacker_history: Array<{ time: string; flows: number; bytes: number }>;
  attacker_peers: { answered: Row[]; answered_count: number; probed_only: string[]; probed_only_count: number };
  victim_contacts_after: Row[];
  victim_contacts_after_count: number;
}

/** src/correlate/members.ts */
export interface SessionMembers {
  member_count: number;
  datasets: Array<{ dataset: string; count: number; listed: number }>;
  left_out: number;
  alerts: Array<{ module: string; time: string; rule: { id?: string; name?: string }; ids: string[] }>;
  timeline: Array<{ time: string; module: string; kind: string; line: string; id: string; copies?: number }>;
}

/** src/correlate/scope.ts */
export interface CompromiseScope {
  host: string;
  to: string;
  scanning: boolean;
  session_count: number;
  sessions_opened: number;
  sessions: Array<{
    server: { ip: string; port?: number };
    transport?: string;
    start: string;
    flows: number;
    bytes: number;
    new_peer: boolean;
    new_service: boolean;
    members: SessionMembers;
  }>;
}

export interface Arrivals {
  position: number;
  flows: Row[];
  flows_left_out: number;
  alerts: Row[];
  rates: Row[];
}
