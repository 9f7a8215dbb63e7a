import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../config/schema.js';
import { Notifier } from '../notify/notifier.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { LocalNetworks } from '../schema/locality.js';
import { findingToAlert } from './alerts.js';
import { type Finding, findingTitle } from './finding.js';

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
  const notifier = new Notifier(config.notifications, logger);
  const localNetworks = new LocalNetworks(config.local_networks);
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
