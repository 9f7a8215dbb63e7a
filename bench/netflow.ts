/**
 * NetFlow collector performance, in one run:
 *  1. single-core throughput (records/s) of softflowd's v5, v9 and IPFIX exports of the lab capture: decode only,
 *     decode + produce (FlowFacts), and the decode worker's whole path (decode, produce, map to the ECS document,
 *     serialize it), and that path with enrichment off and on (bench/netflow-enrichment.ts);
 *  2. every collector side by side with one definition (bench/collectors): flowtrail's `collect` and Filebeat's
 *     NetFlow input writing to a bulk endpoint that acknowledges at once, GoFlow2 (JSON and protobuf) writing its
 *     file, nfcapd writing its files. The paced C sender (bench/sender) replays every lab export and vendor capture
 *     from an address per exporter, with sequence numbers and times moving on every loop. Per collector: the
 *     highest sustained rate at which everything sent is written within GRACE_MS of the sender's end after
 *     STEP_SECONDS, CPU-seconds per million flows and peak RSS at that rate, and a burst of everything the sender
 *     can send in BURST_SECONDS: flows lost and how long writing them took. Ratios flowtrail/peer.
 * Medians of BENCH_ROUNDS rounds (default 3), collectors alternated within each round. Needs the shared fixtures,
 * nfcapd/nfdump, a C compiler and Go (peers are built from their modules on first use: minutes).
 *
 *   npm run bench:netflow          BENCH_ROUNDS, BENCH_STEP_SECONDS (60), BENCH_COLLECTORS (comma-separated names)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetflowDecoder } from '../plugins/netflow/decode/decoder.js';
import { parsePcap } from '../plugins/netflow/pcap-file.js';
import { produce } from '../plugins/netflow/producer.js';
import { toFlowRecord } from '../src/schema/flow.js';
import { LocalNetworks } from '../src/schema/locality.js';
import { LAB_FLOWS } from '../test/support/netflow/fixtures.js';
import { compareCollectors } from './collectors/compare.js';
import { enrichmentBench } from './netflow-enrichment.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LOCAL_NETWORKS = new LocalNetworks(['10.77.0.0/24']);
const EXPORTS = { v5: 'softflowd-v5', v9: 'softflowd-v9', ipfix: 'softflowd-ipfix' } as const;
/**
 * The socket receive buffer every collector asks for: 8 MiB as `collect` does, but no more than
 * net.core.rmem_max, which caps the peers' requests while a privileged flowtrail would get it all.
 */
const RECEIVE_BUFFER = Math.min(8 * 1024 * 1024, Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8')));

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function payloadsOf(probe: string): Buffer[] {
  return parsePcap(readFileSync(join(LAB_FLOWS, `${probe}.pcap`))).datagrams.map((d) => d.payload);
}

type Stage = 'decode' | 'produce' | 'serialize';

/** Records/s over ~1 s of decoding the export again and again with templates already learnt, up to `stage`. */
function decodeRate(payloads: Buffer[], stage: Stage): number {
  const decoder = new NetflowDecoder();
  for (const p of payloads) decoder.decode(p, '192.0.2.1', 9995);
  let records = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1) {
    const now = Date.now();
    for (const p of payloads) {
      const decoded = decoder.decode(p, '192.0.2.1', 9995).records;
      if (stage === 'decode') {
        records += decoded.length;
        continue;
      }
      const flows = produce(decoded).flows;
      if (stage === 'produce') {
        records += flows.length;
        continue;
      }
      for (const facts of flows) {
        // What the decode worker hands to the pipeline: the document's JSON, made by the mapping itself.
        sink += toFlowRecord(facts, { localNetworks: LOCAL_NETWORKS, now }).json.length;
        records++;
      }
    }
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  if (sink < 0) throw new Error('unreachable: keeps the documents from being optimised away');
  return records / elapsed;
}

async function main(): Promise<void> {
  console.log(`NetFlow bench: ${ROUNDS} rounds, medians (node ${process.version})\n`);
  console.log('one core, records/s     decode only    decode+produce    +map+serialize (decode worker)');
  for (const [version, probe] of Object.entries(EXPORTS)) {
    const payloads = payloadsOf(probe);
    const [only, produced, serialized] = (['decode', 'produce', 'serialize'] as const).map((stage) =>
      median(Array.from({ length: ROUNDS }, () => decodeRate(payloads, stage))),
    );
    console.log(
      `  ${version.padEnd(20)} ${fmt(only).padStart(12)}    ${fmt(produced).padStart(14)}    ${fmt(serialized).padStart(14)}`,
    );
  }

  const worst = await enrichmentBench();
  console.log(`  largest cost of geo+asn+apps: ${(worst * 100).toFixed(1)} % (target <= 25 %)`);
  await compareCollectors({
    rounds: ROUNDS,
    receiveBuffer: RECEIVE_BUFFER,
    log: (line) => console.log(line),
  });
}

await main();
