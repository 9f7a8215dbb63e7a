import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { resolveConfig } from './config.js';

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'flowtrail-config-')), 'flowtrail.yml');
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('has working defaults', () => {
    const config = validateConfig({});
    expect(config.inputs.netflow.port).toBe(2055);
    expect(config.elasticsearch.namespace).toBe('default');
    expect(config.elasticsearch.bulk.max_bytes).toBe(5 * 1024 * 1024);
    expect(config.elasticsearch.retention.flows).toBe(30 * 86_400_000);
    expect(config.outputs.kafka).toMatchObject({
      enabled: false,
      compression: 'gzip',
      topics: { flows: 'flowtrail-flows', alerts: 'flowtrail-alerts', events: 'flowtrail-events' },
    });
    expect(config.indexer.group_id).toBe('flowtrail-indexers');
  });

  it('takes GoFlow2 flow messages as formats of Kafka topics', () => {
    const config = validateConfig({
      inputs: {
        kafka: {
          enabled: true,
          topics: [
            { topic: 'goflow2-flows', format: 'goflow2-protobuf' },
            { topic: 'goflow2-json', format: 'goflow2-json' },
          ],
        },
      },
    });
    expect(config.inputs.kafka.topics.map((t) => t.format)).toEqual(['goflow2-protobuf', 'goflow2-json']);
  });

  it('parses durations and sizes', () => {
    const config = validateConfig({
      elasticsearch: { bulk: { flush_interval: '250ms', max_bytes: '512kb' }, retention: { flows: '7d' } },
      inputs: {
        netflow: {
          template_timeout: '5m',
          limits: { max_pending_bytes: '8mb', exporter_idle_timeout: '2m' },
        },
      },
    });
    expect(config.inputs.netflow.limits.max_pending_bytes).toBe(8 * 1024 * 1024);
    expect(config.inputs.netflow.limits.exporter_idle_timeout).toBe(120_000);
    expect(config.inputs.netflow.limits.max_exporters).toBe(10_000);
    expect(config.elasticsearch.bulk.flush_interval).toBe(250);
    expect(config.elasticsearch.bulk.max_bytes).toBe(512 * 1024);
    expect(config.elasticsearch.retention.flows).toBe(7 * 86_400_000);
    expect(config.inputs.netflow.template_timeout).toBe(300_000);
    expect(config.inputs.netflow.journal.min_free_bytes).toBe(64 * 1024 * 1024);
  });

  it('reads the live tap: interfaces, filter, ring size and timeouts, off by default', () => {
    expect(validateConfig({}).inputs.pcap).toMatchObject({
      enabled: false,
      interfaces: [],
      filter: '',
      snaplen: 262_144,
      promiscuous: true,
      ring_bytes: 64 * 1024 ** 2,
      max_flows: 262_144,
      idle_timeout: 60_000,
      active_timeout: 1_800_000,
    });
    const pcap = validateConfig({
      inputs: {
        pcap: {
          enabled: true,
          interfaces: ['eth1', 'bond0.100'],
          filter: 'not port 22',
          ring_bytes: '256mb',
          idle_timeout: '15s',
          observer: 'sensor-1',
        },
      },
    }).inputs.pcap;
    expect(pcap).toMatchObject({
      interfaces: ['eth1', 'bond0.100'],
      filter: 'not port 22',
      ring_bytes: 256 * 1024 ** 2,
      idle_timeout: 15_000,
      observer: 'sensor-1',
    });
  });

  it.each([
    [{ inputs: { netflow: { port: 70000 } } }, /inputs\.netflow\.port: /],
    [{ local_networks: ['10.0.0.0/33'] }, /local_networks\.0: expected a CIDR/],
    [{ elasticsearch: { bulk: { flush_interval: 'soon' } } }, /elasticsearch\.bulk\.flush_interval: /],
    [{ elasticsearch: { url: 'not a url' } }, /elasticsearch\.url: /],
    [{ elasticsearch: { password: 'x' } }, /elasticsearch\.username: a password needs a username/],
    [{ inputs: { netflw: {} } }, /inputs: unknown key "netflw"/],
    [{ inputs: { netflow: { limits: { max_exporters: 0 } } } }, /inputs\.netflow\.limits\.max_exporters: /],
    [{ inputs: { netflow: { limits: { max_template_bytes: 'lots' } } } }, /limits\.max_template_bytes: /],
    [{ elasticsearch: { namespace: 'Prod-1' } }, /elasticsearch\.namespace: lower-case/],
    [{ kibana: { url: 'kibana:5601' } }, /kibana\.url: /],
    [{ kibana: { space: 'Marketing Team' } }, /kibana\.space: a space id/],
    [{ kibana: { password_file: '/run/secret' } }, /kibana\.username: a password needs a username/],
    [
      { kibana: { api_key: 'a', api_key_file: '/k' } },
      /kibana\.api_key: set api_key or api_key_file, not both/,
    ],
    [{ kibana: { request_timeout: 'later' } }, /kibana\.request_timeout: /],
    [{ kibana: { token: 'x' } }, /kibana: unknown key "token"/],
    [
      { inputs: { netflow: { journal: { min_free_bytes: 'lots' } } } },
      /inputs\.netflow\.journal\.min_free_bytes: /,
    ],
    [{ enrichment: { observers: { names: { 'edge-1': 'x' } } } }, /enrichment\.observers\.names\.edge-1: /],
    [
      { enrichment: { interfaces: { '192.0.2.1': { ge0: { name: 'x' } } } } },
      /enrichment\.interfaces\.192\.0\.2\.1\.ge0: /,
    ],
    [{ enrichment: { snmp: { exporters: [{ address: '192.0.2.1' }] } } }, /community: required for SNMP v2c/],
    [
      {
        enrichment: {
          snmp: { exporters: [{ address: '192.0.2.1', version: '3', user: 'u', auth_key: '12345678' }] },
        },
      },
      /enrichment\.snmp\.exporters\.0\.priv_key: required for level authPriv/,
    ],
    [
      { outputs: { kafka: { topics: { flows: 'flows topic' } } } },
      /outputs\.kafka\.topics\.flows: a Kafka topic/,
    ],
    [{ outputs: { kafka: { topics: { logs: 'x' } } } }, /outputs\.kafka\.topics: unknown key "logs"/],
    [{ outputs: { kafka: { compression: 'lz4' } } }, /outputs\.kafka\.compression: /],
    [{ outputs: { kafka: { brokers: [] } } }, /outputs\.kafka\.brokers: /],
    [{ outputs: { kafka: { batch: { linger: 'soon' } } } }, /outputs\.kafka\.batch\.linger: /],
    [{ outputs: { kafka: { replication_factor: 0 } } }, /outputs\.kafka\.replication_factor: /],
    [{ indexer: { group_id: '' } }, /indexer\.group_id: /],
    [
      { inputs: { netflow: { reuse_port: true, receiver: 'dgram' } } },
      /inputs\.netflow\.reuse_port: reuse_port needs the native receiver/,
    ],
    [{ stack: { brokers: 7 } }, /stack\.brokers: /],
    [{ inputs: { pcap: { enabled: true } } }, /inputs\.pcap\.interfaces: an enabled pcap input needs/],
    [
      { inputs: { pcap: { interfaces: ['a-very-long-interface'] } } },
      /inputs\.pcap\.interfaces\.0: an interface/,
    ],
    [{ inputs: { pcap: { snaplen: 20 } } }, /inputs\.pcap\.snaplen: /],
    [{ inputs: { pcap: { ring_bytes: '1mb' } } }, /inputs\.pcap\.ring_bytes: between 2 MiB and 4 GiB/],
    [
      { inputs: { kafka: { topics: [{ topic: 'flows', format: 'goflow2' }] } } },
      /inputs\.kafka\.topics\.0\.format: .*goflow2-json.*goflow2-protobuf/,
    ],
  ])('names the bad key: %j', (raw, message) => {
    expect(() => validateConfig(raw)).toThrow(ConfigError);
    expect(() => validateConfig(raw)).toThrow(message);
  });

  it('applies command-line flags over the file and validates them the same way', () => {
    const file = yamlFile('elasticsearch:\n  url: http://file:9200\nlocal_networks: [192.168.0.0/16]\n');
    const config = resolveConfig({
      config: file,
      es: 'http://flag:9200',
      netflow: '127.0.0.1:9995',
      local: '10.77.0.0/24, 10.1.0.0/16',
    });
    expect(config.elasticsearch.url).toBe('http://flag:9200');
    expect(config.inputs.netflow).toMatchObject({ host: '127.0.0.1', port: 9995 });
    expect(config.local_networks).toEqual(['10.77.0.0/24', '10.1.0.0/16']);
    expect(() => resolveConfig({ local: '10.0.0.0/40' })).toThrow(/local_networks\.0/);
    expect(() => resolveConfig({ netflow: 'nowhere' })).toThrow(/--netflow: expected HOST:PORT/);
  });

  it('reports YAML syntax errors and missing files as config errors', () => {
    expect(() => resolveConfig({ config: yamlFile('elasticsearch: [unclosed\n') })).toThrow(/YAML error/);
    expect(() => resolveConfig({ config: '/nonexistent/flowtrail.yml' })).toThrow(/config file not found/);
  });
});
