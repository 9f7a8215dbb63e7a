import type { ScanThresholds } from '../correlate/activity.js';
import type { StoreClient } from '../store/client.js';
import type { ArchiveWindow } from './archive.js';
import type { ObserverView } from './observers.js';
import type { TimeRange } from './time.js';

/** What every report is given. */
export interface ReportContext {
  client: StoreClient;
  /** The flow index pattern of the namespace. */
  flows: string;
  range: TimeRange;
  /** Rows of ranked reports. */
  limit: number;
  /** Period of the billing report: `1d`, `1h`, `1M` (calendar month)… */
  interval: string;
  scan: ScanThresholds;
  /** Which observers' views the report shows (see observers.ts). */
  observers: ObserverView;
  /** Set where the range reaches back past the stored flows: reports that can read the archive do. */
  archive?: ArchiveWindow;
}

/** A row as JSON shows it: numbers as numbers, lists as arrays, null where a column has no value. */
export type ReportRow = Record<string, string | number | number[] | null>;

export interface Report {
  name: string;
  description: string;
  columns: string[];
  /** Whether the report reads the archive's rollups where the flows are gone (see archive.ts). */
  archived?: boolean;
  run(ctx: ReportContext): Promise<ReportRow[]>;
}
