import { readFileSync } from 'node:fs';
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
