import type { FlowtrailConfig } from '../config/schema.js';
import { indicesOf, NoDataError } from '../correlate/es.js';
import { UsageError } from '../errors.js';
import type { StoreClient } from '../store/client.js';
import { archiveWindow } from './archive.js';
import { PERIODS } from './billing.js';
import type { ReportRow } from './context.js';
import { type ObserverView, ONE_VIEW } from './observers.js';
import { FLAG_NAMES, integerIn, type Naming, oneOf, parseObserverView } from './params.js';
import { REPORTS, reportNamed } from './registry.js';
import type { TimeRange } from './time.js';

export interface ReportResult {
  report: string;
  from: string;
  to: string;
  columns: string[];
  rows: ReportRow[];
  /** Where the flows of the range were gone and the archive's rollups answered: until when. */
  archive_until?: string;
  /** What the person reading the report should know about where its figures come from. */
  notes?: string[];
}

export interface ReportOptions {
  /** Rows of ranked reports. */
  limit: number;
  /** Billing period. */
  interval: string;
  /** Which observers' views (see observers.ts); by default the one that saw the most of each row's traffic. */
  observers?: ObserverView;
}

const ARCHIVED = REPORTS.filter((r) => r.archived).map((r) => r.name);

/** Rows of a ranked report at most: each is an aggregation bucket of the cluster's work. */
export const MAX_REPORT_ROWS = 10_000;

/** `limit` and `interval` as given (flags or query), read by their grammars, with their defaults. */
export function parseReportOptions(
  given: { limit?: string; interval?: string; observer?: string; byObserver?: boolean | string },
  naming: Naming = FLAG_NAMES,
): ReportOptions {
  return {
    limit: given.limit === undefined ? 20 : integerIn(given.limit, naming('limit'), 1, MAX_REPORT_ROWS),
    interval:
      given.interval === undefined ? 'day' : oneOf(given.interval, naming('interval'), [...PERIODS.keys()]),
    observers: parseObserverView(given, naming),
  };
}

export async function runReport(
  client: StoreClient,
  config: FlowtrailConfig,
  name: string,
  range: TimeRange,
  options: ReportOptions = { limit: 20, interval: 'day' },
): Promise<ReportResult> {
  const report = reportNamed(name);
  const scan = config.detections.scan;
  const flows = indicesOf(config.elasticsearch.namespace).flows;
  const archive = await archiveWindow(client, flows, config.elasticsearch.namespace, range);
  const until = archive && new Date(archive.until).toISOString();
  const notes = !archive
    ? []
    : report.archived
      ? [
          `no flows are stored before ${until}: that part of the range comes from the archive's rollups ` +
            `(per ${name === 'host-pairs' ? 'pair and day' : 'address and hour'})`,
        ]
      : [
          `no flows are stored before ${until}, and ${report.name} cannot read the archive: it counts from then`,
        ];
  const rows = await report
    .run({
      client,
      flows,
      range,
      limit: options.limit,
      interval: options.interval,
      scan: {
        minPorts: scan.min_ports,
        minDestinations: scan.min_destinations,
        minFailedShare: scan.min_failed_share,
      },
      observers: options.observers ?? ONE_VIEW,
      archive: report.archived ? archive : undefined,
    })
    .catch((err: unknown) => {
      if (!(archive && err instanceof NoDataError)) throw err;
      throw new UsageError(
        `no flows are stored before ${until}, and ${report.name} cannot read the archive ` +
          `(${ARCHIVED.join(', ')} can)`,
      );
    });
  return {
    report: report.name,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    // Reports that count by one observer name it in every row; stats names it once, or per row with each.
    columns:
      options.observers?.each && !report.columns.includes('observer')
        ? [...report.columns, 'observer']
        : report.columns,
    rows,
    ...(archive && report.archived ? { archive_until: until } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
}
