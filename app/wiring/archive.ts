import type { EsClient } from '../../plugins/elasticsearch/client.js';
import type { IndexAge } from '../../plugins/elasticsearch/retention.js';
import { ElasticsearchSink } from '../../plugins/elasticsearch/sink.js';
import { elasticsearchStore } from '../../plugins/elasticsearch/store-client.js';
import { archiveRollups } from '../../src/archive/rollup.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import type { OutgoingRecord } from '../../src/pipeline/types.js';
import type { IndexMode } from '../../src/store/naming.js';
import { snapshotBeforeDelete } from './archive-snapshots.js';

const FLOWS_STREAM = 'logs-flowtrail.flows-';
const BATCH = 2000;

/**
 * What retention runs before it deletes expired indices: each flow index is rolled up into the archive streams
 * of its namespace, written and made searchable; a rollup that cannot be written entirely throws, and then
 * retention deletes nothing. With `archive.snapshot_before_delete`, each is snapshotted first as well.
 */
export function archiveBeforeDelete(
  config: FlowtrailConfig,
  client: EsClient,
  indexMode: IndexMode,
  now: () => number = Date.now,
): ((expired: readonly IndexAge[]) => Promise<void>) | undefined {
  const { rollup, snapshot_before_delete: snapshot } = config.archive;
  if (!rollup && !snapshot) return undefined;
  const store = elasticsearchStore(client);
  return async (expired) => {
    const flows = expired.filter((age) => age.stream.startsWith(FLOWS_STREAM));
    if (snapshot) await snapshotBeforeDelete(config, client, store, flows);
    if (!rollup) return;
    for (const { index, stream } of flows) {
      const sink = new ElasticsearchSink(client, stream.slice(FLOWS_STREAM.length), indexMode);
      const records = await archiveRollups(store, index, now());
      for (let i = 0; i < records.length; i += BATCH) {
        const batch: OutgoingRecord[] = records
          .slice(i, i + BATCH)
          .map((record) => ({ record, json: JSON.stringify(record.doc) }));
        const { retry, rejected } = await sink.write(batch);
        const failed = [...retry, ...rejected];
        if (failed.length > 0) {
          throw new Error(
            `cannot archive ${index} before deleting it: ${failed.length} rollup(s) not written (${failed[0].reason})`,
          );
        }
      }
      await store.refresh('logs-flowtrail.archive_*');
    }
  };
}
