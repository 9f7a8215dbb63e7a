import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { akvorado, datPayloads, netflowOf, VENDOR } from '../../../test/support/netflow/fixtures.js';
import { describeNeeding, fixturesMissing, listedFromFixtures } from '../../../test/support/requirements.js';
import { decodePayloads, type ExportPayload } from '../offline.js';
import { NetflowDecoder } from './decoder.js';

/** Beats' dat_tests.yaml: test name → ordered .dat files (read with a line scan; the file is a flat list). */
function datTests(): Map<string, string[]> {
  const tests = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of readFileSync(join(VENDOR, 'beats-golden', 'dat_tests.yaml'), 'utf8').split('\n')) {
    const name = /^ {2}(\S.*):\s*$/.exec(line);
    if (name) {
      current = [];
      tests.set(name[1], current);
      continue;
    }
    const file = /^ {6}- (\S+\.dat)\s*$/.exec(line);
    if (file && current) current.push(file[1]);
  }
  return tests;
}

const INVALID = new Set(['netflow5_test_invalid01.dat', 'netflow5_test_invalid02.dat']);

describeNeeding(fixturesMissing())('vendor payloads', () => {
  const tests = listedFromFixtures(datTests, new Map([['(the vendor payloads)', ['']]]));

  it('lists the Beats test sequences', () => {
    expect(tests.size).toBeGreaterThan(40);
  });

  for (const [name, files] of tests) {
    if (files.some((f) => INVALID.has(f))) continue;
    it(`decodes "${name}" without errors and with sane values`, () => {
      const result = decodePayloads(datPayloads(...files));
      expect(result.errors).toEqual([]);
      const stats = result.stats['192.0.2.1:4444'];
      expect(stats.templates + stats.records + stats.optionsRecords + stats.templateMisses).toBeGreaterThan(
        0,
      );
      for (const flow of result.flows) {
        expect(flow.protocol).toBeGreaterThanOrEqual(0);
        expect(flow.protocol).toBeLessThan(256);
        expect(flow.sourceIp).toMatch(/^[\d.]+$|:/);
        expect(flow.destinationIp).toMatch(/^[\d.]+$|:/);
        for (const count of [flow.bytes, flow.packets, flow.reverseBytes, flow.reversePackets]) {
          if (count !== undefined) expect(Number.isFinite(count) && count >= 0).toBe(true);
        }
        if (flow.start !== undefined && flow.end !== undefined)
          expect(flow.end).toBeGreaterThanOrEqual(flow.start - 1000);
      }
    });
  }

  it('decodes every .dat file on its own without throwing', () => {
    for (const file of readdirSync(join(VENDOR, 'logstash-codec-netflow')).filter((f) =>
      f.endsWith('.dat'),
    )) {
      expect(() => decodePayloads(datPayloads(file))).not.toThrow();
    }
  });

  it('rejects v5 headers claiming more records than v5 allows, and counts them', () => {
    for (const file of INVALID) {
      const result = decodePayloads(datPayloads(file));
      expect(result.flows).toEqual([]);
      expect(result.errors.map((e) => e.error)).toEqual(['bad-count']);
      expect(result.stats['192.0.2.1:4444'].malformed).toBe(1);
    }
  });

  it('reads the 12 back-to-back v5 messages of netflow5.dat', () => {
    const result = decodePayloads(datPayloads('netflow5.dat'));
    expect(result.flows).toHaveLength(30);
    expect(result.errors).toEqual([]);
  });

  it('applies the v5 header sampling interval', () => {
    const result = decodePayloads(datPayloads('netflow5_test_juniper_mx80.dat'));
    const flow = result.flows[0];
    const netflow = netflowOf(flow) as Record<string, number>;
    expect(netflow.sampling_rate).toBe(1000);
    expect(flow.bytes).toBe(netflow.octet_delta_count * 1000);
  });
});

describeNeeding(fixturesMissing())('akvorado captures', () => {
  const rates = (names: string[]) => {
    const result = decodePayloads(akvorado(...names));
    expect(result.errors).toEqual([]);
    return {
      result,
      rates: new Set(result.flows.map((f) => netflowOf(f).sampling_rate)),
    };
  };

  it('options template → options data → template → data applies the announced sampling rate', () => {
    const { result, rates: seen } = rates(['options-template', 'options-data', 'template', 'data']);
    expect(result.flows).toHaveLength(4);
    expect(result.options).toHaveLength(4);
    expect([...seen]).toEqual([30000]);
    const flow = result.flows[0];
    const netflow = netflowOf(flow) as Record<string, number>;
    expect(flow.bytes).toBe(netflow.octet_delta_count * 30000);
  });

  it('keeps one sampling rate per sampler id', () => {
    const { rates: seen } = rates([
      'multiplesamplingrates-options-template',
      'multiplesamplingrates-options-data',
      'multiplesamplingrates-template',
      'multiplesamplingrates-data',
    ]);
    expect([...seen].sort()).toEqual([2000, 4000]);
  });

  it('reads a sampling interval carried in the data template', () => {
    expect([...rates(['samplingrate-template', 'samplingrate-data']).rates]).toEqual([2048]);
  });

  it('buffers a data set that precedes its template in the same packet, then decodes it', () => {
    const result = decodePayloads(akvorado('data+templates'));
    const stats = Object.values(result.stats)[0];
    expect(stats.templateMisses).toBe(1);
    expect(stats.buffered).toBe(1);
    expect(stats.bufferedDecoded).toBe(1);
    expect(stats.expired).toBe(0);
    expect(result.flows.length).toBeGreaterThan(10);
  });

  it('decodes ICMP type/code and RFC 5103 biflows', () => {
    const icmp = decodePayloads(akvorado('icmp-template', 'icmp-data')).flows;
    expect(icmp.find((f) => f.protocol === 58)).toMatchObject({ sourcePort: 128, destinationPort: 0 });
    const biflows = decodePayloads(akvorado('ipfixprobe-templates', 'ipfixprobe-data')).flows;
    expect(biflows.find((f) => f.protocol === 6)).toMatchObject({ bytes: 21673, reverseBytes: 1546 });
  });

  it('decodes the remaining captures without errors', () => {
    for (const names of [
      ['datalink-template', 'datalink-data'],
      ['ipfix-srv6-template', 'ipfix-srv6-data'],
      ['juniper-cpid-template', 'juniper-cpid-data'],
      ['ethernet-over-mpls-with-control-word-template', 'ethernet-over-mpls-with-control-word-data'],
      ['mpls'],
      ['nat'],
      ['nfv5'],
      ['physicalinterfaces'],
    ]) {
      const result = decodePayloads(akvorado(...names));
      expect(result.errors).toEqual([]);
      expect(result.flows.length + result.addressless).toBeGreaterThan(0);
    }
  });
});

describeNeeding(fixturesMissing())('template cache', () => {
  let template: ExportPayload;
  let data: ExportPayload;
  beforeAll(() => {
    template = datPayloads('ipfix_test_nokia_bras_tpl.dat')[0];
    data = datPayloads('ipfix_test_nokia_bras_data256.dat')[0];
  });

  it('survives a snapshot/restore through JSON', () => {
    const first = new NetflowDecoder();
    first.decode(template.data, '192.0.2.1', 4444, 1000);
    const second = new NetflowDecoder();
    second.restore(JSON.parse(JSON.stringify(first.snapshot())), 2000);
    expect(second.decode(data.data, '192.0.2.1', 4444, 2000).records).toHaveLength(1);
  });

  it('forgets templates after their time to live', () => {
    const decoder = new NetflowDecoder({ templateTtlMs: 1000 });
    decoder.decode(template.data, '192.0.2.1', 4444, 0);
    expect(decoder.decode(data.data, '192.0.2.1', 4444, 500).records).toHaveLength(1);
    expect(decoder.decode(data.data, '192.0.2.1', 4444, 5000).records).toHaveLength(0);
    expect(decoder.stats()['192.0.2.1:4444'].templatesExpired).toBeGreaterThan(0);
  });

  it('scopes templates by exporter address and port', () => {
    const decoder = new NetflowDecoder();
    decoder.decode(template.data, '192.0.2.1', 4444, 0);
    expect(decoder.decode(data.data, '192.0.2.1', 4445, 0).records).toHaveLength(0);
    expect(decoder.decode(data.data, '192.0.2.2', 4444, 0).records).toHaveLength(0);
  });

  it('ages out data sets whose template never comes', () => {
    const decoder = new NetflowDecoder({ pendingTtlMs: 100, maxPendingPerExporter: 2 });
    for (let i = 0; i < 5; i++) decoder.decode(data.data, '192.0.2.1', 4444, i);
    expect(decoder.pendingCount()).toBe(2);
    decoder.expire(10_000);
    expect(decoder.pendingCount()).toBe(0);
    expect(decoder.stats()['192.0.2.1:4444'].expired).toBe(5);
  });
});
