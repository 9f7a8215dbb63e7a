import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportPayload } from '../../../plugins/netflow/offline.js';
import { parsePcap } from '../../../plugins/netflow/pcap-file.js';
import type { FlowFacts } from '../../../src/schema/flow.js';
import { FIXTURES } from '../fixtures.js';

export const VENDOR = join(FIXTURES, 'netflow-vendor');
export const LAB_FLOWS = join(FIXTURES, 'lab', 'flows');

/** Beats' test convention: every .dat payload comes from 192.0.2.1:4444. */
export function datPayloads(...names: string[]): ExportPayload[] {
  return names.map((name) => ({
    exporter: '192.0.2.1',
    port: 4444,
    data: readFileSync(join(VENDOR, 'logstash-codec-netflow', name)),
    receivedAt: Date.UTC(2024, 0, 1),
  }));
}

export function pcapPayloads(path: string): ExportPayload[] {
  return parsePcap(readFileSync(path)).datagrams.map((d) => ({
    exporter: d.sourceIp,
    port: d.sourcePort,
    data: d.payload,
    receivedAt: d.timestamp,
  }));
}

export function akvorado(...names: string[]): ExportPayload[] {
  return names.flatMap((name) => pcapPayloads(join(VENDOR, 'akvorado', `${name}.pcap`)));
}

/** The `netflow` namespace of produced flow facts as a plain object, whether the producer wrote it as JSON or not. */
export function netflowOf(facts: FlowFacts): Record<string, unknown> {
  return JSON.parse(JSON.stringify(facts.extra?.netflow ?? {})) as Record<string, unknown>;
}

/**
 * Real exports for tests that damage them: every vendor capture (v5, v9, IPFIX) and the first `labDatagrams`
 * datagrams, templates included, of the lab's softflowd v9 and pmacct IPFIX exports.
 */
export function exportCorpus(labDatagrams: number): Buffer[] {
  const dats = readdirSync(join(VENDOR, 'logstash-codec-netflow')).filter((f) => f.endsWith('.dat'));
  const captures = readdirSync(join(VENDOR, 'akvorado'))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => f.slice(0, -5));
  return [
    ...datPayloads(...dats),
    ...akvorado(...captures),
    ...pcapPayloads(join(LAB_FLOWS, 'softflowd-v9.pcap')).slice(0, labDatagrams),
    ...pcapPayloads(join(LAB_FLOWS, 'pmacct-ipfix.pcap')).slice(0, labDatagrams),
  ].map((p) => p.data);
}
