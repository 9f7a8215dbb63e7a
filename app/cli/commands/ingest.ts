import { readdirSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Argument, Option } from 'commander';
import type { Logger } from 'pino';
import { METER_DEFAULTS } from '../../../codecs/pcap/meter.js';
import { createIngestSource } from '../../../plugins/files/ingest-source.js';
import { namePattern } from '../../../plugins/files/tail-files.js';
import { createPcapIngestSource } from '../../../plugins/netflow/ingest-source.js';
import type { Codec } from '../../../src/codec/types.js';
import { localNetworksOf } from '../../../src/config/networks.js';
import type { FlowtrailConfig } from '../../../src/config/schema.js';
import { duration } from '../../../src/config/units.js';
import { withEnrichment } from '../../../src/enrich/documents.js';
import type { Enrichers } from '../../../src/enrich/enrichers.js';
import { UsageError } from '../../../src/errors.js';
import { counterTotal, Metrics } from '../../../src/observability/metrics.js';
import type { Source } from '../../../src/pipeline/types.js';
import type { LocalNetworks } from '../../../src/schema/locality.js';
import { isTimezone } from '../../../src/util/timezone.js';
import { CODECS, codecNamed, type TapSettings, tapCodec } from '../../wiring/codecs.js';
import { connect } from '../../wiring/elasticsearch.js';
import { createEnrichment } from '../../wiring/enrichment.js';
import { OldDataCounter } from '../../wiring/old-data.js';
import { createPacketStore } from '../../wiring/packet-store.js';
import { createRuntime } from '../../wiring/runtime.js';
import type { CliCommand } from '../command.js';
import { type ConfigFlags, resolveConfig } from '../config.js';
import { printResult } from '../output.js';

/** NetFlow exports captured to pcap files, packet captures metered into flows, and every log format. */
const INGEST_KINDS = ['netflow', 'pcap', ...CODECS.keys()];

/** The codec files of `kind` are read with; undefined for NetFlow captures, which have their own source. */
function codecFor(kind: string, tap: TapSettings): Codec | undefined {
  if (kind === 'netflow') return undefined;
  return kind === 'pcap' ? tapCodec(tap) : codecNamed(kind);
}

function sourceFor(
  kind: string,
  codec: Codec | undefined,
  file: string,
  localNetworks: LocalNetworks,
  timezone: string,
  onRead: (bytes: number) => void,
  enrichers: Enrichers,
): Source {
  // Flows are enriched as their documents are written; log records and tap flows as they are read.
  if (codec === undefined) return createPcapIngestSource([file], { localNetworks, enrichers });
  const source = createIngestSource({
    name: `${kind}-files`,
    codec,
    files: [file],
    localNetworks,
    timezone,
    onRead,
  });
  return withEnrichment(source, enrichers);
}

/** The names a directory given to `ingest` is read for: those collect reads there, and their compressed rotations. */
function includeOf(kind: string, config: FlowtrailConfig): string[] {
  if (kind === 'netflow' || kind === 'pcap') return ['*.pcap', '*.pcapng', '*.cap'];
  return config.inputs[kind as 'zeek' | 'suricata' | 'snort'].include;
}

/** Files as given, and the files of directories given (those `include` names, compressed or not), by name. */
export function filesToIngest(paths: readonly string[], include: readonly string[]): string[] {
  const patterns = include.map(namePattern);
  const files: string[] = [];
  for (const path of paths) {
    let info: Stats;
    try {
      info = statSync(path);
    } catch (err) {
      throw new UsageError(`${path}: ${(err as Error).message}`);
    }
    if (info.isFile()) {
      files.push(path);
      continue;
    }
    if (!info.isDirectory()) throw new UsageError(`${path}: neither a regular file nor a directory`);
    const found = readdirSync(path)
      .filter((name) => patterns.some((p) => p.test(name.replace(/\.gz$/, ''))))
      .map((name) => join(path, name))
      .filter((file) => statSync(file).isFile())
      .sort();
    if (found.length === 0)
      throw new UsageError(`${path}: no files named ${include.join(' or ')} (or compressed: .gz) in it`);
    files.push(...found);
  }
  return files;
}

const MB = 1024 * 1024;

/** One-shot ingest: every file is read to its end, everything is written (or dead-lettered), then a summary. */
async function runIngest(
  kind: string,
  paths: string[],
  config: FlowtrailConfig,
  logger: Logger,
  options: { json: boolean; timezone: string; tap: TapSettings },
): Promise<number> {
  if (!isTimezone(options.timezone))
    throw new UsageError(
      `--timezone: expected an IANA zone such as Europe/Berlin, UTC, or an offset such as +02:00`,
    );
  const files = filesToIngest(paths, includeOf(kind, config));
  const sizes = files.map((file) => statSync(file).size);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const packetStore = kind === 'pcap' ? createPacketStore(config, logger) : undefined;
  const codec = codecFor(kind, { ...options.tap, packetStore });
  const degraded = codec?.degraded?.();
  if (degraded !== undefined && kind === 'pcap') throw new UsageError(degraded);
  if (degraded !== undefined) logger.warn({ codec: kind }, degraded);
  const { client } = await connect(config, logger);
  // Written is what the summary reports: the end waits for a slow store rather than spool the rest for later.
  const { pipeline, metrics, deadLetter } = createRuntime(
    config,
    client,
    logger,
    new Metrics(),
    Number.POSITIVE_INFINITY,
  );
  const old = new OldDataCounter(config.elasticsearch.retention);
  pipeline.tap(old);
  const localNetworks = localNetworksOf(config);
  // Exporter and interface names come from the configuration only: SNMP is for live exporters, not captures.
  const enrichers = createEnrichment(config, logger);
  const started = Date.now();
  // Bytes of the files read (compressed bytes of .gz files), which is what their sizes add up to.
  const bar =
    process.stderr.isTTY && !options.json
      ? new SingleBar({
          format:
            'ingest {bar} {percentage}% | {read_mb}/{total_mb} MB | file {file}/{files} | {written} written | {failed} failed',
          stream: process.stderr,
        })
      : undefined;
  const payload = { read_mb: '0.0', total_mb: (totalBytes / MB).toFixed(1), file: 0, files: files.length };
  bar?.start(totalBytes, 0, { ...payload, written: 0, failed: 0 });
  let read = 0;
  const ticker = bar
    ? setInterval(async () => {
        bar.update(read, {
          read_mb: (read / MB).toFixed(1),
          written: await counterTotal(metrics.recordsOut),
          failed: await counterTotal(metrics.recordsFailed),
        });
      }, 250)
    : undefined;
  try {
    await pipeline.start();
    for (const [i, file] of files.entries()) {
      const before = read;
      bar?.update(read, { file: i + 1 });
      await pipeline.runSource(
        sourceFor(
          kind,
          codec,
          file,
          localNetworks,
          options.timezone,
          (bytes) => {
            read += bytes;
          },
          enrichers,
        ),
      );
      // Sources that do not count their reads (NetFlow captures) count as read once done.
      read = before + sizes[i];
      bar?.update(read, { read_mb: (read / MB).toFixed(1) });
    }
    await pipeline.finish();
  } finally {
    if (ticker) clearInterval(ticker);
    bar?.stop();
    enrichers.close();
    await client.close();
  }
  const summary = {
    kind,
    files: files.length,
    bytes: totalBytes,
    read: await counterTotal(metrics.recordsIn),
    written: await counterTotal(metrics.recordsOut),
    failed: await counterTotal(metrics.recordsFailed),
    dead_lettered: await counterTotal(metrics.recordsDeadLettered),
    dead_letter_dir: deadLetter.directory,
    older_than_retention: old.summary(),
    ...(packetStore === undefined
      ? {}
      : {
          packet_store: {
            dir: packetStore.settings.dir,
            packets: packetStore.counters.records,
            bytes: packetStore.counters.bytes,
            files: packetStore.counters.files,
            deleted_files: packetStore.counters.deletedFiles,
            write_errors: packetStore.counters.writeErrors,
            dropped_packets: packetStore.counters.droppedRecords,
            other_linktype: packetStore.counters.otherLinktype,
          },
        }),
    seconds: (Date.now() - started) / 1000,
  };
  const stored = summary.packet_store;
  printResult(options.json, summary, () =>
    [
      `${summary.files} file(s), ${summary.read} read, ${summary.written} written, ${summary.failed} failed in ${summary.seconds.toFixed(1)} s`,
      ...(summary.dead_lettered > 0
        ? [`${summary.dead_lettered} dead-lettered: see ${summary.dead_letter_dir}`]
        : []),
      ...(stored === undefined
        ? []
        : [
            `packet store ${stored.dir}: ${stored.packets} packet(s) kept in ${stored.files} new file(s)` +
              (stored.deleted_files > 0 ? `, ${stored.deleted_files} old file(s) deleted` : '') +
              (stored.write_errors > 0
                ? `; ${stored.write_errors} write error(s), ${stored.dropped_packets} packet(s) not kept (see the log)`
                : '') +
              (stored.other_linktype > 0
                ? `; ${stored.other_linktype} frame(s) of a second link type not kept`
                : ''),
          ]),
      ...summary.older_than_retention.map(
        (o) =>
          `${o.documents} ${o.kind} document(s) are older than their retention (${o.retention_days} d); ` +
          `retention counts from when data is stored, so they are kept until at least ${o.kept_until}`,
      ),
    ].join('\n'),
  );
  return summary.failed > 0 ? 1 : 0;
}

interface IngestFlags {
  json?: boolean;
  timezone: string;
  observer?: string;
  maxFlows?: string;
  idleTimeout?: string;
  activeTimeout?: string;
  packetStore?: string;
}

function durationFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = duration.safeParse(/^\d+(\.\d+)?$/.test(text) ? `${text}s` : text);
  if (!parsed.success || parsed.data <= 0)
    throw new UsageError(`${flag}: expected a duration such as 30s, 5m or 2h, got ${JSON.stringify(text)}`);
  return parsed.data;
}

function tapSettings(o: IngestFlags): TapSettings {
  const maxFlows = o.maxFlows === undefined ? undefined : Number(o.maxFlows);
  if (maxFlows !== undefined && !(Number.isInteger(maxFlows) && maxFlows >= 1 && maxFlows <= 100_000_000))
    throw new UsageError(
      `--max-flows: expected a whole number from 1 to 100000000, got ${JSON.stringify(o.maxFlows)}`,
    );
  return {
    observer: o.observer,
    maxFlows,
    idleTimeoutMs: durationFlag('--idle-timeout', o.idleTimeout),
    activeTimeoutMs: durationFlag('--active-timeout', o.activeTimeout),
  };
}

export const ingestCommand: CliCommand = (parent, { logger, withConfig, run }) => {
  withConfig(parent.command('ingest'))
    .description('read files once into Elasticsearch (.gz included) and print a summary')
    .addArgument(new Argument('<kind>', 'input kind').choices(INGEST_KINDS))
    .argument('<paths...>', 'files, or directories (their files named as the input includes, .gz too)')
    .option('--local <cidrs>', 'local networks, comma separated (overrides local_networks)')
    .addOption(
      new Option('--timezone <tz>', 'timezone of timestamps without one (Snort alert_fast/full)').default(
        'UTC',
      ),
    )
    .option('--json', 'print the summary as JSON')
    .option(
      '--observer <name>',
      'pcap: the sensor the capture was taken on (observer.name; default: this host)',
    )
    .option('--max-flows <n>', `pcap: flows held at once (default ${METER_DEFAULTS.maxFlows})`)
    .option('--idle-timeout <duration>', 'pcap: a flow idle this long is written out (default 60s)')
    .option(
      '--active-timeout <duration>',
      'pcap: a flow is written out at this age and counted on (default 30m)',
    )
    .option(
      '--packet-store <dir>',
      'pcap: also keep the packets in the packet store ring at <dir> (enables packet_store there)',
    )
    .action(
      run((kind: string, paths: string[], o: ConfigFlags & IngestFlags) => {
        const config = resolveConfig(o);
        if (o.packetStore !== undefined) {
          config.packet_store.enabled = true;
          config.packet_store.path = o.packetStore;
        }
        return runIngest(kind, paths, config, logger, {
          json: Boolean(o.json),
          timezone: o.timezone,
          tap: tapSettings(o),
        });
      }),
    );
};
