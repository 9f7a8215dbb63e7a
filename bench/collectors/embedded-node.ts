/**
 * flowtrail's `collect` writing into the real embedded node that `flowtrail up` provisions (Elasticsearch 7.10 OSS,
 * its default heap), so that the table also says what users get end to end. Its flows are those the node holds
 * after a refresh; each run starts from empty flow indices, since a later step re-sends the sequence numbers (and
 * so the document ids) of an earlier one.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackDown, stackUp } from '../../src/stack/index.js';
import { searchPattern } from '../../src/store/naming.js';
import { type CollectorKind, drainAndStop, startFlowtrailCollect } from './collectors.js';

/** The flow indices `collect` writes with the default namespace, as the store names them. */
const FLOWS = searchPattern('flowtrail.flows', 'default');
/** A refresh and count at most this often: the drain loop asks every 100 ms, and the node has work of its own. */
const COUNT_EVERY_MS = 1_000;

async function request(url: string, method: string, path: string): Promise<unknown> {
  const response = await fetch(`${url}${path}`, { method });
  if (!response.ok && response.status !== 404) {
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

function flowCounter(url: string): () => Promise<number> {
  let last = 0;
  let at = 0;
  return async () => {
    if (Date.now() - at < COUNT_EVERY_MS) return last;
    at = Date.now();
    await request(url, 'POST', `/${FLOWS}/_refresh?allow_no_indices=true`);
    const body = (await request(url, 'POST', `/${FLOWS}/_count?allow_no_indices=true`)) as { count?: number };
    last = body.count ?? 0;
    return last;
  };
}

export interface EmbeddedNode {
  kind: CollectorKind;
  stop(): Promise<void>;
}

/** Starts the embedded node (or reuses one left running in the bench's data directory). */
export async function embeddedNode(log: (line: string) => void): Promise<EmbeddedNode> {
  const dataDir = join(tmpdir(), 'flowtrail-bench-node');
  const state = await stackUp({ dataDir, esHttpPort: 19_745 });
  const url = state.elasticsearch.url;
  log(`  embedded node for flowtrail-es-node: ${url}`);
  const kind: CollectorKind = {
    name: 'flowtrail-es-node',
    note: "collect as above, into the embedded Elasticsearch 7.10 node `flowtrail up` starts (512 MB heap); CPU is flowtrail's alone",
    async start(port, receiveBuffer) {
      await request(url, 'DELETE', `/${FLOWS}?expand_wildcards=all&allow_no_indices=true`);
      const { child, home } = startFlowtrailCollect('flowtrail-es-node', url, port, receiveBuffer);
      const written = flowCounter(url);
      return {
        pid: child.pid ?? 0,
        written,
        async stop(sentAt) {
          const final = await drainAndStop(child, port, sentAt, written);
          await new Promise((resolve) => setTimeout(resolve, COUNT_EVERY_MS));
          const total = await written();
          rmSync(home, { recursive: true, force: true });
          return { ...final, written: total, drainMs: final.lastChangeAt - sentAt };
        },
      };
    },
  };
  return { kind, stop: async () => void (await stackDown(dataDir)) };
}
