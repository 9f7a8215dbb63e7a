import { statSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { Argument, Option } from 'commander';
import type { Logger } from 'pino';
import { createIngestSource } from '../../../plugins/files/ingest-source.js';
import { createPcapIngestSource } from '../../../plugins/netflow/ingest-source.js';
import { localNetworksOf } from '../../../src/config/networks.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { UsageError } from '../../../src/errors.js';
import { counterTotal } from '../../../src/observability/metrics.js';
import type { Source } from '../../../src/pipeline/types.js';
import type { LocalNetworks } from '../../../src/schema/locality.js';
import { isTimezone } from '../../../src/util/timezone.js';
import { CODECS, codecNamed } from '../../wiring/codecs.js';
import { connect } from '../../wiring/elasticsearch.js';
import { OldDataCounter } from '../../wiring/old-data.js';
import { createRuntime } from '../../wiring/runtime.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

/** NetFlow exports captured to pcap files, and every log format there is a codec for. */
const INGEST_KINDS = ['netflow', ...CODECS.keys()];

function sourceFor(kind: string, file: string, localNetworks: LocalNetworks, timezone: string): Source {
  if (kind === 'netflow') return createPcapIngestSource([file], { localNetworks });
  return createIngestSource({
    name: `${kind}-files`,
    codec: codecNamed(kind),
    files: [file],
    localNetworks,
    timezone,
  });
}

/** One-shot ingest: every file is read to its end, everything is written (or dead-lettered), then a summary. */
async function runIngest(
  kind: string,
  files: string[],
  config: FlowtrailConfig,
  logger: Logger,
  options: { json: boolean; timezone: string },
): Promise<number> {
  if (!isTimezone(options.timezone))
    throw new UsageError(
      `--timezone: expected an IANA zone such as Europe/Berlin, UTC, or an offset such as +02:00`,
    );
  for (const file of files) {
    try {
      if (!statSync(file).isFile()) throw new Error('not a regular file');
    } catch (err) {
      throw new UsageError(`${file}: ${(err as Error).message}`);
    }
  }
  const degraded = kind === 'netflow' ? undefined : codecNamed(kind).degraded?.();
  if (degraded !== undefined) logger.warn({ codec: kind }, degraded);
  const { client } = await connect(config, logger);
  const { pipeline, metrics, deadLetter } = createRuntime(config, client, logger);
  const old = new OldDataCounter(config.elasticsearch.retention);
  pipeline.tap(old);
  const localNetworks = localNetworksOf(config);
  const started = Date.now();
  const bar =
    process.stderr.isTTY && !options.json
      ? new SingleBar({
          format: 'ingest {bar} {value}/{total} files | {written} written | {failed} failed',
          stream: process.stderr,
        })
      : undefined;
  bar?.start(files.length, 0, { written: 0, failed: 0 });
  const ticker = bar
    ? setInterval(async () => {
        bar.update({
          written: await counterTotal(metrics.recordsOut),
          failed: await counterTotal(metrics.recordsFailed),
        });
      }, 250)
    : undefined;
  try {
    await pipeline.start();
    for (const [i, file] of files.entries()) {
      await pipeline.runSource(sourceFor(kind, file, localNetworks, options.timezone));
      bar?.update(i + 1);
    }
    await pipeline.finish();
  } finally {
    if (ticker) clearInterval(ticker);
    bar?.stop();
    await client.close();
  }
  const summary = {
    kind,
    files: files.length,
    read: await counterTotal(metrics.recordsIn),
    written: await counterTotal(metrics.recordsOut),
    failed: await counterTotal(metrics.recordsFailed),
    dead_lettered: await counterTotal(metrics.recordsDeadLettered),
    dead_letter_dir: deadLetter.directory,
    older_than_retention: old.summary(),
    seconds: (Date.now() - started) / 1000,
  };
  printResult(options.json, summary, () =>
    [
      `${summary.files} file(s), ${summary.read} read, ${summary.written} written, ${summary.failed} failed in ${summary.seconds.toFixed(1)} s`,
      ...(summary.dead_lettered > 0
        ? [`${summary.dead_lettered} dead-lettered: see ${summary.dead_letter_dir}`]
        : []),
      ...summary.older_than_retention.map(
        (o) =>
          `${o.documents} ${o.kind} document(s) are older than their retention (${o.retention_days} d); ` +
          `retention counts from when data is stored, so they are kept until at least ${o.kept_until}`,
      ),
    ].join('\n'),
  );
  return summary.failed > 0 ? 1 : 0;
}

export const ingestCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  withConfig(parent.command('ingest'))
    .description('read files once into Elasticsearch (.gz included) and print a summary')
    .addArgument(new Argument('<kind>', 'input kind').choices(INGEST_KINDS))
    .argument('<files...>', 'files to read')
    .option('--local <cidrs>', 'local networks, comma separated (overrides local_networks)')
    .addOption(
      new Option('--timezone <tz>', 'timezone of timestamps without one (Snort alert_fast/full)').default(
        'UTC',
      ),
    )
    .option('--json', 'print the summary as JSON')
    .action(
      run((kind: string, files: string[], o: ConfigFlags & { json?: boolean; timezone: string }) =>
        runIngest(kind, files, resolveConfig(o), logger, { json: Boolean(o.json), timezone: o.timezone }),
      ),
    );
};
