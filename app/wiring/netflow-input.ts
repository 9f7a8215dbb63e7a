import { mkdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { DecoderLimits } from '../../plugins/netflow/decode/settings.js';
import { snapshotJson } from '../../plugins/netflow/decode/snapshot.js';
import { createNetflowSource, type NetflowSource } from '../../plugins/netflow/source.js';
import { netflowSample } from '../../plugins/netflow/source-stats.js';
import { InterfacePoller, type SnmpAgent } from '../../plugins/snmp/interface-poller.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import type { Metrics } from '../../src/observability/metrics.js';
import { LogThrottle } from '../../src/observability/throttle.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { writeFileAtomic } from '../../src/util/disk.js';
import { enrichmentOf } from './enrichment.js';
import { dataDirOf } from './paths.js';

const SNAPSHOT_INTERVAL_MS = 30_000;
/** A snapshot cut to its size bound is logged at most this often. */
const SNAPSHOT_WARNING_INTERVAL_MS = 3_600_000;

type Snapshot = Awaited<ReturnType<NetflowSource['snapshot']>>;

export interface NetflowInput {
  source: NetflowSource;
  /** Resolves with the bound address once the socket listens. */
  listening: Promise<AddressInfo>;
  /**
   * Stops the periodic saving and saves templates and sampling state now; resolves once written. After the
   * source has stopped, the state is the one its decode worker ended with and is written at once.
   */
  close(): Promise<void>;
}

function decoderLimits(limits: FlowtrailConfig['inputs']['netflow']['limits']): DecoderLimits {
  return {
    maxExporters: limits.max_exporters,
    exporterIdleMs: limits.exporter_idle_timeout,
    maxDomainsPerExporter: limits.max_domains_per_exporter,
    maxDomains: limits.max_domains,
    maxTemplatesPerExporter: limits.max_templates_per_exporter,
    maxTemplatesPerDomain: limits.max_templates_per_domain,
    maxTemplateFields: limits.max_template_fields,
    maxTemplateBytes: limits.max_template_bytes,
    maxPendingPerExporter: limits.max_pending_per_exporter,
    maxPendingBytes: limits.max_pending_bytes,
    maxExporterSeries: limits.max_exporter_series,
    maxOptionNameBytes: limits.max_option_name_bytes,
  };
}

function snmpAgents(config: FlowtrailConfig): SnmpAgent[] {
  return config.enrichment.snmp.exporters.map((e) => ({
    exporter: e.address,
    host: e.agent ?? e.address,
    port: e.port,
    version: e.version,
    community: e.community,
    user:
      e.user === undefined
        ? undefined
        : {
            name: e.user,
            level: e.level,
            authProtocol: e.auth_protocol,
            authKey: e.auth_key,
            privProtocol: e.priv_protocol,
            privKey: e.priv_key,
          },
  }));
}

/**
 * The snapshot saved by the last run; one larger than `maxBytes` (written before the bound, or not by flowtrail) is
 * ignored, since parsing and compiling it costs many times its size (a 27 MB one took 1 GB).
 */
function loadSnapshot(file: string, maxBytes: number, logger: Logger): Snapshot | undefined {
  let text: string;
  try {
    const { size } = statSync(file);
    if (size > maxBytes) {
      logger.warn(
        { file, bytes: size, limit: 'inputs.netflow.limits.max_snapshot_bytes', value: maxBytes },
        'ignoring a NetFlow template cache larger than inputs.netflow.limits.max_snapshot_bytes',
      );
      return undefined;
    }
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as Snapshot;
  } catch (err) {
    logger.warn({ file, err: (err as Error).message }, 'ignoring unreadable NetFlow template cache');
    return undefined;
  }
}

/** Writes `json` in place of `file` so that a reader, or a crash, sees the old content or the new, never a part. */
function writeAtomically(file: string, json: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, json);
}

/**
 * The NetFlow/IPFIX listener of the configuration. Datagrams that decoding or the outputs cannot take yet wait
 * in `<data_dir>/netflow/journal`, which a restart decodes first. Its templates and sampling rates are saved to the data
 * directory every 30 s and at shutdown, and loaded at start, so a restarted collector decodes data at once
 * instead of waiting for exporters to resend templates. With `metrics`, its per-exporter counters and the
 * socket's kernel drops are exported on `/metrics`.
 */
export function createNetflowInput(
  config: FlowtrailConfig,
  localNetworks: LocalNetworks,
  logger: Logger,
  metrics?: Metrics,
): NetflowInput {
  const netflow = config.inputs.netflow;
  const file = join(dataDirOf(config), 'netflow', 'templates.json');
  let onListening: (address: AddressInfo) => void = () => {};
  const listening = new Promise<AddressInfo>((resolve) => {
    onListening = resolve;
  });
  const source = createNetflowSource(
    {
      host: netflow.host,
      port: netflow.port,
      recvBufferSize: netflow.receive_buffer_bytes,
      reusePort: netflow.reuse_port,
      receiver: netflow.receiver,
      allowedExporters: netflow.allowed_exporters,
      templateTimeoutMs: netflow.template_timeout,
      samplingOverrides: netflow.sampling_overrides,
      limits: decoderLimits(netflow.limits),
      journal: netflow.journal.enabled
        ? {
            dir: join(dataDirOf(config), 'netflow', 'journal'),
            maxBytes: netflow.journal.max_bytes,
            minFreeBytes: netflow.journal.min_free_bytes,
          }
        : undefined,
      snapshot: loadSnapshot(file, netflow.limits.max_snapshot_bytes, logger),
      onListening,
      enrichment: enrichmentOf(config),
    },
    { localNetworks },
  );
  const snmp = config.enrichment.snmp;
  const poller =
    snmp.exporters.length > 0
      ? new InterfacePoller({
          agents: snmpAgents(config),
          intervalMs: snmp.interval,
          timeoutMs: snmp.timeout,
          retries: snmp.retries,
          onTables: (tables) => source.setPolledInterfaces(tables),
          logger,
        })
      : undefined;
  poller?.start();
  if (metrics) metrics.netflow = () => netflowSample(source.stats(), netflow.limits.max_exporter_series);
  // On a full disk every save fails until there is room: said once a minute, and tried again at the next save.
  const saveFailures = new LogThrottle();
  const cutWarnings = new LogThrottle(SNAPSHOT_WARNING_INTERVAL_MS);
  const save = async () => {
    try {
      const maxBytes = netflow.limits.max_snapshot_bytes;
      const { json, omitted } = snapshotJson(await source.snapshot(), maxBytes);
      writeAtomically(file, json);
      if (omitted > 0 && cutWarnings.admit('cut') !== undefined) {
        logger.warn(
          { file, omitted, limit: 'inputs.netflow.limits.max_snapshot_bytes', value: maxBytes },
          'NetFlow template cache cut to inputs.netflow.limits.max_snapshot_bytes: the exporters left out ' +
            'are decoded again once they resend their templates',
        );
      }
    } catch (err) {
      const suppressed = saveFailures.admit('save');
      if (suppressed !== undefined) {
        logger.warn(
          { file, err: (err as Error).message, since_last: suppressed },
          'cannot save the NetFlow template cache',
        );
      }
    }
  };
  const timer = setInterval(() => void save(), SNAPSHOT_INTERVAL_MS).unref();
  return {
    source,
    listening,
    close() {
      clearInterval(timer);
      poller?.stop();
      return save();
    },
  };
}
