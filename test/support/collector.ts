import dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { searchPattern } from '../../src/store/naming.js';
import { runCli, startCli } from './cli.js';

export function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  return new Promise((resolve) =>
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    }),
  );
}

export interface CollectorOptions {
  /** Where the collector writes: the test node, or a relay in front of it. */
  esUrl: string;
  /** Members of `elasticsearch.bulk` beside a 100 ms flush interval, e.g. `max_docs: 200`. */
  bulk?: string;
  /** The `metrics` section; by default on loopback, at a port the system picks (the collector logs it). */
  metrics?: string;
  /** Members of `inputs.netflow` beside its address. */
  netflow?: string;
  /** The address the NetFlow input listens on; loopback by default. */
  netflowHost?: string;
  /** The data directory; by default `data` in the collector's own temporary directory. */
  dataDir?: string;
  /** More top-level lines of the configuration. */
  extra?: string[];
}

export interface CollectorFiles {
  /** The collector's own temporary directory, holding its configuration. */
  root: string;
  config: string;
  dataDir: string;
  /** An Elasticsearch namespace of its own, and the pattern of its flows. */
  namespace: string;
  index: string;
  netflowPort: number;
}

/**
 * The configuration of a `flowtrail collect` of its own, with `setup` run on it: a namespace, a NetFlow port on
 * loopback and a data directory no other test shares.
 */
export async function setUpCollector(name: string, options: CollectorOptions): Promise<CollectorFiles> {
  const root = mkdtempSync(join(tmpdir(), `flowtrail-${name}-`));
  const namespace = `${name.replace(/[^a-z0-9]/g, '')}${Date.now().toString(36)}`;
  const netflowPort = await freeUdpPort();
  const dataDir = options.dataDir ?? join(root, 'data');
  const config = join(root, 'flowtrail.yml');
  const bulk = ['flush_interval: 100ms', ...(options.bulk ? [options.bulk] : [])].join(', ');
  const netflow = [
    `host: ${options.netflowHost ?? '127.0.0.1'}, port: ${netflowPort}`,
    ...(options.netflow ? [options.netflow] : []),
  ].join(', ');
  writeFileSync(
    config,
    [
      `elasticsearch: { url: "${options.esUrl}", namespace: ${namespace}, bulk: { ${bulk} } }`,
      `stack: { data_dir: "${dataDir}" }`,
      `metrics: ${options.metrics ?? '{ host: 127.0.0.1, port: 0 }'}`,
      ...(options.extra ?? []),
      'inputs:',
      `  netflow: { ${netflow} }`,
      '',
    ].join('\n'),
  );
  const setup = await runCli(['setup', '--config', config]);
  if (setup.code !== 0) throw new Error(`flowtrail setup exited with ${setup.code}: ${setup.stderr}`);
  return {
    root,
    config,
    dataDir,
    namespace,
    index: searchPattern('flowtrail.flows', namespace),
    netflowPort,
  };
}

/**
 * `flowtrail collect` on a configuration of `setUpCollector`, once it says it is collecting; `metricsUrl` is where
 * it serves /metrics, as its start-up line names it (undefined with metrics off).
 */
export async function startCollector(config: string, env: NodeJS.ProcessEnv = {}) {
  const started = await startCli(['collect', '--config', config], /"collecting"/, env);
  return { ...started, metricsUrl: started.output().match(/"metrics":"(http:[^"]+)"/)?.[1] };
}
