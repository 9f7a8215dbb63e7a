import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import type { Spool } from './spool.js';
import type { PipelineRecord } from './types.js';

/**
 * What became of records a sink still could not write when the shutdown grace period ended: spooled to disk
 * (written at the next start), lost (the spool could not be written: counted, and the sources must read them
 * again), or not spooled because no spool is configured (the caller dead-letters them).
 */
export type Unwritten = 'spooled' | 'lost' | 'no_spool';

export function spoolUnwritten(
  sink: string,
  records: PipelineRecord[],
  o: { spool?: Spool; metrics: Metrics; logger: Logger },
): Unwritten {
  let file: string | undefined;
  try {
    file = o.spool?.save(records);
  } catch (err) {
    o.metrics.recordsDropped.inc({ plugin: sink, reason: 'spool_failed' }, records.length);
    o.logger.error(
      { plugin: sink, records: records.length, err: (err as Error).message },
      'sink still unavailable at shutdown and the spool cannot be written: sources that can read again ' +
        'will, from before these records',
    );
    return 'lost';
  }
  if (file === undefined) return 'no_spool';
  o.logger.warn(
    { plugin: sink, records: records.length, file },
    'sink still unavailable at shutdown: records spooled to disk, written at next start',
  );
  return 'spooled';
}
