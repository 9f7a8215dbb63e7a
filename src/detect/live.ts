import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../config/schema.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import type { StoreClient } from '../store/client.js';
import { VolumeBaseline } from './baseline.js';
import { findingPublisher } from './publish.js';
import { createEngine } from './run.js';
import { seedBaseline } from './seed.js';
import { StreamingDetections } from './stream.js';

/**
 * Runs the detections on every flow the pipeline carries (`collect`), with volume baselines started from the
 * host summaries. A cluster that cannot be asked yet only means baselines that start empty.
 */
export async function detectInPipeline(
  pipeline: Pipeline,
  config: FlowtrailConfig,
  client: StoreClient,
  logger: Logger,
): Promise<void> {
  const baseline = new VolumeBaseline();
  const log = logger.child({ component: 'detections' });
  try {
    const seeded = await seedBaseline(client, config, baseline, Date.now());
    log.info({ host_intervals: seeded }, 'volume baselines seeded from host summaries');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'host summaries unavailable: volume baselines start empty');
  }
  const publisher = findingPublisher(config, pipeline, log);
  pipeline.tap(
    new StreamingDetections(createEngine(config, baseline), publisher, log, config.detections.lateness),
  );
}
