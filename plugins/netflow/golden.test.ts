import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { datPayloads, netflowOf, VENDOR } from '../../test/support/netflow/fixtures.js';
import { describeNeeding, fixturesMissing } from '../../test/support/requirements.js';
import { decodePayloads } from './offline.js';

interface GoldenEvent {
  Fields: {
    source?: { ip: string; port?: number };
    destination?: { ip: string; port?: number };
    network?: { iana_number?: number; bytes?: number; packets?: number };
    netflow: Record<string, unknown> & { type: string };
  };
}

const GOLDENS: Record<string, string[]> = {
  'IPFIX.golden.json': ['ipfix.dat'],
  'Netflow-9-valid-01.golden.json': ['netflow9_test_valid01.dat'],
  'IPFIX-Netscaler-with-variable-length-fields.golden.json': [
    'ipfix_test_netscaler_tpl.dat',
    'ipfix_test_netscaler_data.dat',
  ],
  'Netflow-9-H3C-Netstream-with-varstring.golden.json': [
    'netflow9_test_h3c_netstream_varstring_tpl3281.dat',
    'netflow9_test_h3c_netstream_varstring_data3281.dat',
  ],
  'Netflow9-Juniper-SRX-options-template-with-0-scope-field-length.golden.json': [
    'netflow9_test_juniper_srx_tplopt.dat',
  ],
  'IPFIX-Barracuda-extended-uniflow-template-256.golden.json': [
    'ipfix_test_barracuda_extended_uniflow_tpl256.dat',
    'ipfix_test_barracuda_extended_uniflow_data256.dat',
  ],
  'IPFIX-Nokia-BRAS.golden.json': ['ipfix_test_nokia_bras_tpl.dat', 'ipfix_test_nokia_bras_data256.dat'],
  'IPFIX-vIPtela-with-VPN-id.golden.json': [
    'ipfix_test_viptela_tpl257.dat',
    'ipfix_test_viptela_data257.dat',
  ],
  'IPFIX-options-template-from-Juniper-MX240-JunOS-15.1-R6-S3.golden.json': [
    'ipfix_test_juniper_mx240_junos151r6s3_opttpl512.dat',
    'ipfix_test_juniper_mx240_junos151r6s3_data512.dat',
  ],
  'Netflow-9-Huawei-Netstream.golden.json': [
    'netflow9_test_huawei_netstream_tpl.dat',
    'netflow9_test_huawei_netstream_data.dat',
  ],
  'Netflow-9-Palo-Alto-1-flowset-in-large-zero-filled-packet.golden.json': [
    'netflow9_test_paloalto_81_tpl256-263.dat',
    'netflow9_test_paloalto_81_data257_1flowset_in_large_zerofilled_packet.dat',
  ],
};

const TIME_KEY = /(timestamp|_seconds|_milliseconds|_microseconds|_nanoseconds)$/;

/**
 * Compare meanings, not spellings: Beats prints times without zero milliseconds (and with nanoseconds), and
 * raw bytes as base64 where flowtrail writes hex.
 */
function normalise(key: string, value: unknown, other: unknown): unknown {
  if (typeof value === 'string' && TIME_KEY.test(key)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : ms;
  }
  if (
    typeof value === 'string' &&
    typeof other === 'string' &&
    /^([0-9a-f]{2})+$/.test(value) &&
    value !== other
  ) {
    const base64 = Buffer.from(value, 'hex').toString('base64');
    if (base64 === other) return other;
  }
  return value;
}

/** Values of `mine` whose key Beats also produces, next to Beats' values. */
function shared(mine: Record<string, unknown>, golden: Record<string, unknown>, prefix = '') {
  const actual: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(mine)) {
    if (!(key in golden)) continue;
    const other = golden[key];
    if (value && typeof value === 'object' && other && typeof other === 'object') {
      const inner = shared(
        value as Record<string, unknown>,
        other as Record<string, unknown>,
        `${prefix}${key}.`,
      );
      Object.assign(actual, inner.actual);
      Object.assign(expected, inner.expected);
    } else {
      actual[prefix + key] = normalise(key, value, other);
      expected[prefix + key] = normalise(key, other, undefined);
    }
  }
  return { actual, expected, count: Object.keys(actual).length };
}

describeNeeding(fixturesMissing())('Beats golden outputs', () => {
  for (const [golden, files] of Object.entries(GOLDENS)) {
    it(`matches ${golden}`, () => {
      const events: GoldenEvent[] = JSON.parse(
        readFileSync(join(VENDOR, 'beats-golden', golden), 'utf8'),
      ).events;
      const flows = events.filter((e) => e.Fields.netflow.type === 'netflow_flow');
      const options = events.filter((e) => e.Fields.netflow.type === 'netflow_options');
      const result = decodePayloads(datPayloads(...files));
      expect(result.errors).toEqual([]);
      expect(result.flows).toHaveLength(flows.length);
      expect(result.options).toHaveLength(options.length);

      flows.forEach((event, i) => {
        const flow = result.flows[i];
        const f = event.Fields;
        if (f.source?.ip !== undefined) expect(flow.sourceIp).toBe(f.source.ip);
        if (f.destination?.ip !== undefined) expect(flow.destinationIp).toBe(f.destination.ip);
        expect(flow.protocol).toBe(Number(f.network?.iana_number ?? f.netflow.protocol_identifier));
        if (flow.protocol === 1 || flow.protocol === 58) {
          // Beats leaves ICMP type/code packed in the destination port; facts carry them apart.
          expect((flow.sourcePort ?? 0) * 256 + (flow.destinationPort ?? 0)).toBe(f.destination?.port);
        } else {
          if (f.source?.port !== undefined) expect(flow.sourcePort).toBe(f.source.port);
          if (f.destination?.port !== undefined) expect(flow.destinationPort).toBe(f.destination.port);
        }
        if (f.network?.bytes !== undefined)
          expect((flow.bytes ?? 0) + (flow.reverseBytes ?? 0)).toBe(f.network.bytes);
        if (f.network?.packets !== undefined) {
          expect((flow.packets ?? 0) + (flow.reversePackets ?? 0)).toBe(f.network.packets);
        }
        const { actual, expected, count } = shared(netflowOf(flow), f.netflow);
        expect(count).toBeGreaterThan(5);
        expect(actual).toEqual(expected);
      });

      options.forEach((event, i) => {
        const mine = result.options[i];
        const golden = event.Fields.netflow;
        const scope = shared(mine.scope, (golden.scope ?? {}) as Record<string, unknown>);
        const values = shared(mine.options, (golden.options ?? {}) as Record<string, unknown>);
        expect(values.count).toBeGreaterThan(0);
        expect(scope.actual).toEqual(scope.expected);
        expect(values.actual).toEqual(values.expected);
      });
    });
  }
});
