import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime } from '../../app/wiring/runtime.js';
import { snortCodec } from '../../codecs/snort/codec.js';
import { suricataCodec } from '../../codecs/suricata/codec.js';
import { setupElasticsearch } from '../../plugins/elasticsearch/setup.js';
import { createPcapIngestSource } from '../../plugins/netflow/ingest-source.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { Metrics } from '../../src/observability/metrics.js';
import { LocalNetworks } from '../../src/schema/locality.js';
import { searchPattern } from '../../src/store/naming.js';
import { ingestFiles } from './codec.js';
import type { TestClient } from './es.js';
import { quietLogger, testConfig } from './es.js';
import { FIXTURES } from './fixtures.js';

export const LAB = join(FIXTURES, 'lab');
export const LAB_EXPORTS = ['softflowd-v5', 'softflowd-v9', 'softflowd-ipfix', 'pmacct-v9', 'pmacct-ipfix'];
/** The lab's own network (lab/README.md). */
export const LAB_LOCAL = ['10.77.0.0/24'];
/** The scenario's access policy: only 10.0.0.0/8 may reach the server's SSH. */
export const LAB_SSH_POLICY = {
  name: 'ssh-to-server',
  destination: '10.77.0.1',
  port: 22,
  protocol: 'tcp',
  allow_from: ['10.0.0.0/8'],
};
/**
 * What the detections must find in the lab (lab/README.md), as type, direction, source, destination: the
 * scenario's five events, and one fact they imply: the attacker's scans reach 10.77.0.1:22, which only
 * 10.0.0.0/8 may reach (`LAB_SSH_POLICY`), so it broke the SSH policy too.
 */
export const LAB_SCENARIO = [
  'address_scan incoming 203.0.113.66 -',
  'address_scan outgoing 10.77.0.9 -',
  'policy incoming 198.51.100.30 10.77.0.1',
  'policy incoming 203.0.113.66 10.77.0.1',
  'port_scan incoming 203.0.113.66 10.77.0.1',
  'volume outgoing 10.77.0.5 -',
];

/** The notifications of `LAB_SCENARIO`, aggregated: one message per scanner, violator and talker (kind, source). */
export const LAB_NOTIFICATIONS = [
  'policy 198.51.100.30',
  'policy 203.0.113.66',
  'scan 10.77.0.9',
  'scan 203.0.113.66',
  'volume 10.77.0.5',
];

/**
 * A test namespace holding the lab's NetFlow exports (all five by default) and, unless told otherwise, its Snort
 * and Suricata alerts, read by the same ingest sources `flowtrail ingest` uses.
 */
export async function loadLab(
  client: TestClient,
  options: { exports?: string[]; alerts?: boolean; config?: Record<string, unknown> } = {},
): Promise<FlowtrailConfig> {
  await setupElasticsearch(client, {
    retentionMs: { flows: 3650 * 86_400_000, alerts: 3650 * 86_400_000, events: 3650 * 86_400_000 },
    version: 'test',
  });
  const config = testConfig({ local_networks: LAB_LOCAL, ...options.config });
  const localNetworks = new LocalNetworks(LAB_LOCAL);
  // The tests read what was loaded: the end waits for every write (a loaded machine takes longer than 30 s).
  const { pipeline } = createRuntime(config, client, quietLogger, new Metrics(), Number.POSITIVE_INFINITY);
  await pipeline.start();
  for (const name of options.exports ?? LAB_EXPORTS)
    await pipeline.runSource(createPcapIngestSource([join(LAB, 'flows', `${name}.pcap`)], { localNetworks }));
  if (options.alerts !== false) {
    await pipeline.runSource(ingestFiles(snortCodec, [join(LAB, 'snort-alert_fast.log')], { localNetworks }));
    await pipeline.runSource(ingestFiles(suricataCodec, [join(LAB, 'suricata-eve.json')], { localNetworks }));
  }
  await pipeline.finish();
  await client.indices.refresh({ index: searchPattern('flowtrail.*', config.elasticsearch.namespace) });
  return config;
}

/** A test's namespace and local networks as a config file for the CLI (the URL comes from FLOWTRAIL_ES_URL). */
export function configFile(c: FlowtrailConfig, extra = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'flowtrail-cli-')), 'flowtrail.yml');
  writeFileSync(
    file,
    `local_networks: [${c.local_networks.join(', ')}]\nelasticsearch:\n  namespace: ${c.elasticsearch.namespace}\n${extra}`,
  );
  return file;
}
