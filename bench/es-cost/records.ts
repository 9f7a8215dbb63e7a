import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodePayloads, type ExportPayload } from '../../plugins/netflow/offline.js';
import type { FlowFacts } from '../../src/schema/flow.js';
import { datPayloads, LAB_FLOWS, pcapPayloads, VENDOR } from '../../test/support/netflow/fixtures.js';

/** The flows of every export in the shared fixtures, each file decoded by a collector of its own. */
export interface FixtureFlows {
  flows: FlowFacts[];
  /** File name → flows decoded from it. */
  perFile: Record<string, number>;
}

/** Why the fixtures cannot be read here, or undefined. */
export function fixturesAbsent(): string | undefined {
  for (const dir of [LAB_FLOWS, join(VENDOR, 'logstash-codec-netflow'), join(VENDOR, 'akvorado')])
    if (!existsSync(dir)) return `needs the shared fixtures (${dir} is missing)`;
  return undefined;
}

export function fixtureFlows(): FixtureFlows {
  const files: Array<[string, ExportPayload[]]> = [];
  for (const name of readdirSync(LAB_FLOWS)
    .filter((f) => f.endsWith('.pcap'))
    .sort())
    files.push([`lab/${name}`, pcapPayloads(join(LAB_FLOWS, name))]);
  const akvorado = join(VENDOR, 'akvorado');
  for (const name of readdirSync(akvorado)
    .filter((f) => f.endsWith('.pcap'))
    .sort())
    files.push([`akvorado/${name}`, pcapPayloads(join(akvorado, name))]);
  // Beats' payloads: each file is what one exporter sent, templates first.
  for (const name of readdirSync(join(VENDOR, 'logstash-codec-netflow'))
    .filter((f) => f.endsWith('.dat'))
    .sort())
    files.push([`logstash-codec-netflow/${name}`, datPayloads(name)]);
  const flows: FlowFacts[] = [];
  const perFile: Record<string, number> = {};
  for (const [name, payloads] of files) {
    const decoded = decodePayloads(payloads).flows;
    if (decoded.length > 0) perFile[name] = decoded.length;
    for (const flow of decoded) flows.push(flow);
  }
  return { flows, perFile };
}

/**
 * The `i`-th of `total` replayed flows: the fixtures' flows again and again, each copy with its own identity (as
 * the next sequence number would give it) and spread evenly over `spanMs` from `from`, keeping its duration, so
 * that every document has its own id and the day's index holds them in time order, as a collector writes them.
 */
export function replayed(
  base: readonly FlowFacts[],
  i: number,
  total: number,
  from: number,
  spanMs: number,
): FlowFacts {
  const f = base[i % base.length];
  const copy = Math.floor(i / base.length);
  const start = from + Math.floor((i * spanMs) / total);
  const duration =
    f.start !== undefined && f.end !== undefined && f.end >= f.start ? Math.min(f.end - f.start, 600_000) : 0;
  return { ...f, start, end: start + duration, identity: `${f.identity}#${copy}` };
}
