import type { Logger } from 'pino';
import { localNetworksOf } from '../config/networks.js';
import type { FlowtrailConfig } from '../config/schema.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { findingToAlert } from './alerts.js';
import { type Finding, findingTitle } from './finding.js';
import { FindingNotifier } from './notifications.js';

/** Where findings go: alert documents through the pipeline, notifications, and the log. */
export interface FindingPublisher {
  publish(findings: Finding[]): Promise<void>;
  /** Sends the notifications still being aggregated. */
  close(): Promise<void>;
}

/**
 * `logEach`: a log line per finding, for the collector and `detect --follow`, whose findings appear nowhere
 * else on screen; `detect --from --to` prints them as its result instead.
 */
export function findingPublisher(
  config: FlowtrailConfig,
  pipeline: Pipeline,
  logger: Logger,
  options: { logEach: boolean } = { logEach: true },
): FindingPublisher {
  const notifier = new FindingNotifier(config.notifications, logger);
  const localNetworks = localNetworksOf(config);
  return {
    async publish(findings) {
      const now = Date.now();
      await pipeline.emit(
        'detections',
        findings.map((f) => findingToAlert(f, localNetworks, now)),
      );
      notifier.add(findings);
      if (!options.logEach) return;
      for (const f of findings)
        logger.info({ severity: f.level, source: f.source, destination: f.destination }, findingTitle(f));
    },
    close: () => notifier.close(),
  };
}
