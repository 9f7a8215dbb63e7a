import type { Logger } from 'pino';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { indicesOf } from '../../../src/correlate/es.js';
import { evidenceLine, type Finding, findingView } from '../../../src/detect/finding.js';
import { findingPublisher } from '../../../src/detect/publish.js';
import { detectRange, followDetections } from '../../../src/detect/run.js';
import { UsageError } from '../../../src/errors.js';
import { sleep } from '../../../src/pipeline/backoff.js';
import type { Pipeline } from '../../../src/pipeline/pipeline.js';
import { emptyRangeHint } from '../../../src/reports/extent.js';
import { rollUpHostSummaries } from '../../../src/reports/host-summary.js';
import { isoRange, parseRange } from '../../../src/reports/time.js';
import type { StoreClient } from '../../../src/store/client.js';
import { connect } from '../../wiring/elasticsearch.js';
import { createRuntime } from '../../wiring/runtime.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printNote, printResult } from '../output.js';

interface DetectFlags {
  from?: string;
  to?: string;
  follow?: boolean;
  json?: boolean;
}

/** Findings for people: when, how severe, what, and on the next line the evidence. */
export function describeFindings(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'nothing found';
  const lines = findings.map((f) => {
    const v = findingView(f);
    return `${v.time}  ${v.severity.padEnd(13)}  ${v.title}\n${' '.repeat(41)}${evidenceLine(v.evidence)}`;
  });
  return `${lines.join('\n')}\n${findings.length} finding(s), written as alerts (event.module: flowtrail)`;
}

/** How far back `--follow` re-reads for flows that became searchable late. */
const SETTLE_MS = 60_000;

/** The host summary stream, kept up to date next to the live detections (both read every new flow's interval). */
async function maintainSummaries(
  client: StoreClient,
  config: FlowtrailConfig,
  pipeline: Pipeline,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  while (!signal.aborted) {
    try {
      const written = await rollUpHostSummaries(client, config, (records) =>
        pipeline.emit('host-summaries', records),
      );
      if (written > 0) logger.info({ written }, 'host summaries rolled up');
    } catch (err) {
      logger.warn({ err: (err as Error).message }, 'host summary rollup failed; retrying next interval');
    }
    await sleep(Math.min(config.host_summaries.interval, 60_000), signal);
  }
}

/**
 * `flowtrail detect --from --to`: the detections over stored flows, once. `--follow`: over new flows as they
 * arrive. Either way findings become alert documents and notifications.
 */
async function runDetect(config: FlowtrailConfig, logger: Logger, flags: DetectFlags): Promise<number> {
  if (flags.follow && (flags.from || flags.to))
    throw new UsageError('--follow reads new flows; give no --from/--to');
  const range = flags.follow ? undefined : parseRange(flags.from, flags.to);
  const { client, store } = await connect(config);
  const { pipeline } = createRuntime(config, client, logger);
  const publisher = findingPublisher(config, pipeline, logger, { logEach: flags.follow === true });
  const flows = indicesOf(config.elasticsearch.namespace).flows;
  const publish = (findings: Finding[]) => publisher.publish(findings);
  await pipeline.start();
  try {
    if (range) {
      const findings = await detectRange(store, config, flows, range);
      await publish(findings);
      await pipeline.finish();
      await publisher.close();
      printResult(Boolean(flags.json), { ...isoRange(range), findings: findings.map(findingView) }, () =>
        describeFindings(findings),
      );
      const note = findings.length === 0 ? await emptyRangeHint(store, flows, range) : undefined;
      if (note !== undefined) printNote(note);
      return 0;
    }
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    logger.info({ flows, window_ms: config.detections.window }, 'detecting on new flows');
    const summaries = maintainSummaries(store, config, pipeline, controller.signal, logger);
    await followDetections(
      store,
      config,
      flows,
      { pollMs: config.correlation.poll_interval, since: Date.now() - SETTLE_MS, settleMs: SETTLE_MS },
      controller.signal,
      logger,
      publish,
    );
    await summaries;
    await pipeline.finish();
    await publisher.close();
    return 0;
  } finally {
    await client.close();
  }
}

export const detectCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  withConfig(parent.command('detect'))
    .description('port/address scans, abnormal volume and access-policy violations: alerts and notifications')
    .option('--from <time>', 'batch mode over stored flows from (default: an hour ago)')
    .option('--to <time>', 'batch mode up to (default: now)')
    .option('--follow', 'live mode over new flows until SIGINT/SIGTERM')
    .option('--json', 'print the findings as JSON')
    .action(run((o: ConfigFlags & DetectFlags) => runDetect(resolveConfig(o), logger, o)));
};
