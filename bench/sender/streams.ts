/**
 * The exports a bench sender replays: every lab export (softflowd v5/v9/IPFIX, pmacct v9/IPFIX) and every vendor
 * capture, each group of files that belongs to one exporter as one stream sent from an address of its own, so that
 * the groups' templates never meet in one collector's template cache.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcapPayloads } from '../../test/support/netflow/fixtures.js';

export interface ExportStream {
  name: string;
  /** Datagram payloads in the order the exporter sent them. */
  payloads: Buffer[];
}

const LAB_EXPORTS = ['softflowd-v5', 'softflowd-v9', 'softflowd-ipfix', 'pmacct-v9', 'pmacct-ipfix'];

/** Template files go before data files of the same exporter, as an exporter sends them. */
function templatesFirst(a: string, b: string): number {
  const rank = (name: string) => (/tpl|template/.test(name) && !/data/.test(name) ? 0 : 1);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** akvorado's `X-template.pcap`, `X-options-data.pcap`… and Logstash's `X_tpl.dat`, `X_data256.dat`… share `X`. */
export function exporterOf(file: string): string {
  const stem = file.replace(/\.(pcap|dat)$/, '');
  return stem
    .replace(/(-options)?-(data|templates?)$/, '')
    .replace(/_(tpl|data|tpldata)\d*$/, '')
    .replace(/^(data|template)$/, 'plain');
}

function grouped(files: string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    const key = exporterOf(file);
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  for (const list of groups.values()) list.sort(templatesFirst);
  return groups;
}

/**
 * Logstash's deliberately malformed exports (`*_invalid*`) are left out: a benchmark replays what exporters send,
 * and one peer decodes a malformed v5 datagram into a hundred thousand records.
 */
const isValidExport = (file: string) => !/invalid/.test(file);

/** All streams under `fixtures` (the shared fixtures' root). */
export function exportStreams(fixtures: string): ExportStream[] {
  const streams: ExportStream[] = LAB_EXPORTS.map((name) => ({
    name: `lab/${name}`,
    payloads: pcapPayloads(join(fixtures, 'lab', 'flows', `${name}.pcap`)).map((p) => p.data),
  }));
  const akvorado = join(fixtures, 'netflow-vendor', 'akvorado');
  for (const [name, files] of grouped(readdirSync(akvorado).filter((f) => f.endsWith('.pcap')))) {
    streams.push({
      name: `akvorado/${name}`,
      payloads: files.flatMap((f) => pcapPayloads(join(akvorado, f)).map((p) => p.data)),
    });
  }
  const logstash = join(fixtures, 'netflow-vendor', 'logstash-codec-netflow');
  for (const [name, files] of grouped(
    readdirSync(logstash).filter((f) => f.endsWith('.dat') && isValidExport(f)),
  )) {
    streams.push({ name: `logstash/${name}`, payloads: files.map((f) => readFileSync(join(logstash, f))) });
  }
  return streams;
}
