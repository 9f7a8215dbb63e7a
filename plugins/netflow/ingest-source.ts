import type { Enrichers } from '../../src/enrich/enrichers.js';
import { Additions } from '../../src/enrich/types.js';
import type { PipelineRecord, Source, SourceContext } from '../../src/pipeline/types.js';
import { toFlowRecord } from '../../src/schema/flow.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { NetflowDecoder } from './decode/decoder.js';
import { readPcapFile } from './pcap-file.js';
import { produce } from './producer.js';

/** Datagrams per `emit`: large enough to batch, small enough that the pipeline's back-pressure bites. */
const CHUNK = 256;

/**
 * One-shot ingest of NetFlow/IPFIX exports captured to pcap files: every UDP datagram is decoded as if it had
 * arrived at its capture time, with one template cache over all files (given in capture order).
 */
export function createPcapIngestSource(
  files: string[],
  deps: { localNetworks: LocalNetworks; enrichers?: Enrichers },
): Source {
  return {
    name: 'netflow-pcap',
    async run(ctx: SourceContext): Promise<void> {
      const decoder = new NetflowDecoder();
      const { enrichers } = deps;
      const additions = new Additions();
      for (const file of files) {
        const { datagrams } = await readPcapFile(file);
        for (let start = 0; start < datagrams.length && !ctx.signal.aborted; start += CHUNK) {
          const out: PipelineRecord[] = [];
          const now = Date.now();
          datagrams.slice(start, start + CHUNK).forEach((d, i) => {
            const { records, error } = decoder.decode(d.payload, d.sourceIp, d.sourcePort, d.timestamp);
            if (error) {
              ctx.counters.recordsFailed(1);
              ctx.deadLetter({
                plugin: 'netflow',
                reason: `netflow: ${error}`,
                origin: `${file}#${start + i + 1}`,
                raw: d.payload.toString('base64'),
              });
            }
            for (const facts of produce(records).flows) {
              // As the decode worker does it: what the enrichers add is written with the document.
              additions.clear();
              enrichers?.apply(facts, additions);
              out.push(toFlowRecord(facts, { localNetworks: deps.localNetworks, now, additions }));
            }
          });
          if (out.length > 0) {
            ctx.counters.recordsIn(out.length);
            await ctx.emit(out);
          }
        }
      }
    },
  };
}
