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

export function findingPublisher(
  config: FlowtrailConfig,
  pipeline: Pipeline,
  logger: Logger,
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
      for (const f of findings) logger.info({ finding: findingTitle(f) }, 'detection');
    },
    close: () => notifier.close(),
  };
}
