import type { Client } from '@elastic/elasticsearch';
import type { FlowtrailConfig } from '../config/schema.js';
import { indicesOf } from '../correlate/es.js';
import type { ReportRow } from './context.js';
import { reportNamed } from './registry.js';
import type { TimeRange } from './time.js';

export interface ReportResult {
  report: string;
  from: string;
  to: string;
  columns: string[];
  rows: ReportRow[];
}

export async function runReport(
  client: Client,
  config: FlowtrailConfig,
  name: string,
  range: TimeRange,
  options: { limit?: number; interval?: string } = {},
): Promise<ReportResult> {
  const report = reportNamed(name);
  const scan = config.detections.scan;
  const rows = await report.run({
    client,
    flows: indicesOf(config.elasticsearch.namespace).flows,
    range,
    limit: options.limit ?? 20,
    interval: options.interval ?? 'day',
    scan: {
      minPorts: scan.min_ports,
      minDestinations: scan.min_destinations,
      minFailedShare: scan.min_failed_share,
    },
  });
  return {
    report: report.name,
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    columns: report.columns,
    rows,
  };
}
