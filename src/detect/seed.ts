import type { FlowtrailConfig } from '../config/schema.js';
import { endedBetween, type Metric, NoDataError } from '../correlate/es.js';
import { allBuckets, type CompositeBucket } from '../reports/composite.js';
import { HOST_SUMMARY_DATASET } from '../reports/host-summary.js';
import type { StoreClient } from '../store/client.js';
import { searchPattern } from '../store/naming.js';
import type { VolumeBaseline } from './baseline.js';

type SummaryBucket = CompositeBucket<{ ip: string; start: number }> & { bytes: Metric };

const BYTE_FIELDS = ['bytes_out_internal', 'bytes_out_external', 'bytes_in_internal', 'bytes_in_external'];

/**
 * Starts the volume baselines from the host summaries of the `baseline_days` before `before`, so that a restart
 * or a batch run does not begin without history. A summary covers `host_summaries.interval`, a detection window
 * is usually shorter: its bytes are scaled to one window, assuming them spread evenly over the interval.
 * Returns how many host-intervals were read.
 */
export async function seedBaseline(
  client: StoreClient,
  config: FlowtrailConfig,
  baseline: VolumeBaseline,
  before: number,
): Promise<number> {
  const interval = config.host_summaries.interval;
  const scale = config.detections.window / interval;
  const from = before - config.detections.volume.baseline_days * 86_400_000;
  const buckets = await allBuckets<SummaryBucket['key'], SummaryBucket>(
    client,
    searchPattern(HOST_SUMMARY_DATASET, config.elasticsearch.namespace),
    endedBetween(from, before),
    [
      { ip: { terms: { field: 'host.ip' } } },
      { start: { date_histogram: { field: '@timestamp', fixed_interval: `${interval}ms` } } },
    ],
    {
      bytes: {
        sum: {
          script: { source: BYTE_FIELDS.map((f) => `doc['flowtrail.summary.${f}'].value`).join(' + ') },
        },
      },
    },
  ).catch((err: unknown) => {
    // No summaries yet (a new installation): the baselines start empty and learn from the windows.
    if (err instanceof NoDataError) return undefined;
    throw err;
  });
  for (const b of buckets ?? []) baseline.observe(b.key.ip, b.key.start, (b.bytes.value ?? 0) * scale);
  return buckets?.length ?? 0;
}
