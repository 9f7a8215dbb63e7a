/**
 * What enrichment costs the NetFlow decode worker's path (decode, produce, enrich, map, serialize), one core, in
 * records/s with enrichment off and on in the same run, rounds interleaved, with warm caches (as after the first
 * seconds of a collector's life: the lab captures hold ~500 addresses). The databases are built here with the test
 * writer: a GeoLite2-City-like one and an ASN one of 20,000 networks each (the lab's documentation ranges among
 * them), so that a lookup walks a tree as deep as a real database's. Reverse DNS is answered by an in-process
 * table: what is measured is the per-flow cost of a warm cache, not a DNS server.
 *
 *   npx tsx bench/netflow-enrichment.ts        (also part of `npm run bench:netflow`)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NetflowDecoder } from '../plugins/netflow/decode/decoder.js';
import { parsePcap } from '../plugins/netflow/pcap-file.js';
import { produce } from '../plugins/netflow/producer.js';
import { createEnrichers, type Enrichers } from '../src/enrich/enrichers.js';
import { ReverseDnsEnricher } from '../src/enrich/reverse-dns.js';
import { enrichmentSettings } from '../src/enrich/settings.js';
import { Additions } from '../src/enrich/types.js';
import { toFlowRecord } from '../src/schema/flow.js';
import { LocalNetworks } from '../src/schema/locality.js';
import { writeMmdb } from '../test/support/mmdb-writer.js';
import { LAB_FLOWS } from '../test/support/netflow/fixtures.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const NETWORKS = 20_000;
const LOCAL = ['10.77.0.0/24'];
const LOCAL_NETWORKS = new LocalNetworks(LOCAL);
const EXPORTER = '192.0.2.1';
const EXPORTS = { v5: 'softflowd-v5', v9: 'softflowd-v9', ipfix: 'softflowd-ipfix' } as const;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** A deterministic stream of numbers, so that every run builds the same databases. */
function* numbers(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    yield x;
  }
}

function databases(dir: string): { city: string; asn: string } {
  const cities: Parameters<typeof writeMmdb>[1] = {};
  const asns: Parameters<typeof writeMmdb>[1] = {};
  const random = numbers(7);
  const networks = new Set<string>(['198.51.100.0/24', '203.0.113.0/24']);
  while (networks.size < NETWORKS) {
    const n = random.next().value as number;
    const first = 11 + (n % 212);
    if (first === 127 || first === 100 || first === 172 || first === 192 || first === 169) continue;
    networks.add(`${first}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.0/24`);
  }
  let i = 0;
  for (const network of networks) {
    i++;
    cities[network] = {
      continent: { code: 'EU', geoname_id: 6_255_148, names: { en: 'Europe', de: 'Europa' } },
      country: {
        geoname_id: 2_635_167,
        iso_code: 'GB',
        names: { en: 'United Kingdom', de: 'Vereinigtes Königreich' },
      },
      subdivisions: [{ iso_code: 'ENG', names: { en: 'England' } }],
      city: { geoname_id: 2_643_743, names: { en: `City ${i % 500}` } },
      location: {
        latitude: 51.5 + (i % 100) / 100,
        longitude: -0.1 - (i % 50) / 100,
        time_zone: 'Europe/London',
      },
      postal: { code: `E${i % 20}` },
    };
    asns[network] = {
      autonomous_system_number: 64_496 + (i % 1000),
      autonomous_system_organization: `Network ${i % 1000}`,
    };
  }
  const city = join(dir, 'city.mmdb');
  const asn = join(dir, 'asn.mmdb');
  writeFileSync(city, writeMmdb('GeoLite2-City', cities));
  writeFileSync(asn, writeMmdb('GeoLite2-ASN', asns));
  return { city, asn };
}

/**
 * Records per second of CPU time (this process's, from `process.cpuUsage`) over ~0.5 s of it, on the decode worker's
 * path as `bench/netflow.ts` measures it, with `enrichers` or none. CPU time rather than wall time: on a shared
 * machine, time the process waited for a core is no cost of what it ran.
 */
function rate(payloads: Buffer[], enrichers: Enrichers | undefined): number {
  const decoder = new NetflowDecoder();
  for (const p of payloads) decoder.decode(p, EXPORTER, 9995);
  const additions = new Additions();
  let records = 0;
  let sink = 0;
  const start = process.cpuUsage();
  let elapsed = 0;
  while (elapsed < 0.5) {
    const now = Date.now();
    for (const p of payloads) {
      for (const facts of produce(decoder.decode(p, EXPORTER, 9995).records).flows) {
        // As DatagramDecoding does it.
        if (enrichers !== undefined) {
          additions.clear();
          enrichers.apply(facts, additions);
        }
        sink += toFlowRecord(facts, { localNetworks: LOCAL_NETWORKS, now, additions }).json.length;
        records++;
      }
    }
    const used = process.cpuUsage(start);
    elapsed = (used.user + used.system) / 1e6;
  }
  if (sink < 0) throw new Error('unreachable: keeps the documents from being optimised away');
  return records / elapsed;
}

/** Prints the table; returns the largest cost (fraction) of geo + ASN + applications. */
export async function enrichmentBench(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'flowtrail-bench-geo-'));
  try {
    const files = databases(dir);
    const settings = enrichmentSettings.parse({ geoip: { ...files, check_interval: 0 } });
    const warn = () => {};
    const geo = createEnrichers(settings, { localNetworks: LOCAL, warn });
    const reverse = new ReverseDnsEnricher({
      cacheSize: 100_000,
      ttlMs: 3_600_000,
      negativeTtlMs: 3_600_000,
      maxPending: 1024,
      timeoutMs: 1000,
      servers: [],
      reverse: async (address) =>
        address.startsWith('203.') ? [`host-${address.replaceAll('.', '-')}.example.net`] : [],
    });
    // The lab's exporter named by the configuration (its captures carry no interface indexes).
    const named = enrichmentSettings.parse({
      geoip: { ...files, check_interval: 0 },
      observers: { names: { [EXPORTER]: 'lab-probe' } },
      interfaces: { [EXPORTER]: { '1': { name: 'eth0', alias: 'uplink' } } },
    });
    const all = createEnrichers(named, { localNetworks: LOCAL, warn, extra: [reverse] });
    console.log(
      `\nenrichment on the decode worker's path, records per CPU second (${ROUNDS} rounds interleaved, medians, warm caches;\n` +
        `  databases of ${fmt(NETWORKS)} networks built by the test writer; reverse DNS answered in-process)`,
    );
    console.log('  (all: geo+asn+apps, reverse DNS, and exporter and interface names)');
    console.log('                       off       geo+asn+apps   cost              all   cost');
    let worst = 0;
    for (const [version, probe] of Object.entries(EXPORTS)) {
      const payloads = parsePcap(readFileSync(join(LAB_FLOWS, `${probe}.pcap`))).datagrams.map(
        (d) => d.payload,
      );
      // Warm: every address looked up (and its name asked for) before anything is timed.
      rate(payloads, geo);
      rate(payloads, all);
      await reverse.settled();
      const off: number[] = [];
      const on: number[] = [];
      const everything: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        off.push(rate(payloads, undefined));
        on.push(rate(payloads, geo));
        everything.push(rate(payloads, all));
      }
      const [o, g, a] = [median(off), median(on), median(everything)];
      const cost = (n: number) => `${(((o - n) / o) * 100).toFixed(1)} %`;
      worst = Math.max(worst, (o - g) / o);
      console.log(
        `  ${version.padEnd(8)} ${fmt(o).padStart(14)} ${fmt(g).padStart(14)}   ${cost(g).padStart(6)} ${fmt(a).padStart(14)}   ${cost(a).padStart(6)}`,
      );
    }
    geo.close();
    all.close();
    return worst;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const worst = await enrichmentBench();
  console.log(`  largest cost of geo+asn+apps: ${(worst * 100).toFixed(1)} % (target <= 25 %)`);
}
