import type { Client } from '@elastic/elasticsearch';
import {
  type OutgoingRecord,
  RetryableError,
  type Sink,
  type SinkOutcome,
} from '../../src/pipeline/types.js';
import { detectCapabilities } from './capabilities.js';
import { dailyIndexName, dataStreamName, type IndexMode } from './naming.js';

interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

function describeError(error: BulkItemResult['error']): string {
  if (!error) return 'unknown error';
  const cause = error.caused_by ? ` (caused by ${error.caused_by.type}: ${error.caused_by.reason})` : '';
  return `${error.type ?? 'error'}: ${error.reason ?? ''}${cause}`;
}

/**
 * Writes batches with one `_bulk` request each. Documents are created with their deterministic id, so a batch
 * that is sent again after a timeout or a restart answers 409 for what is already there instead of duplicating it.
 */
export class ElasticsearchSink implements Sink {
  readonly name = 'elasticsearch';

  constructor(
    private readonly client: Client,
    private readonly namespace: string,
    private indexMode?: IndexMode,
  ) {}

  /** Learns whether the cluster has data streams. A cluster that is down now is asked again at the first write. */
  async start(): Promise<void> {
    try {
      await this.detectIndexMode();
    } catch {
      this.indexMode = undefined;
    }
  }

  private async detectIndexMode(): Promise<void> {
    this.indexMode ??= (await detectCapabilities(this.client)).indexMode;
  }

  private indexFor(record: OutgoingRecord['record']): string {
    if (this.indexMode === 'data_stream') return dataStreamName(record.dataset, this.namespace);
    const timestamp = record.doc['@timestamp'];
    return dailyIndexName(
      record.dataset,
      this.namespace,
      typeof timestamp === 'string' && timestamp.length >= 10 ? timestamp : new Date().toISOString(),
    );
  }

  async write(batch: readonly OutgoingRecord[]): Promise<SinkOutcome> {
    if (this.indexMode === undefined) {
      try {
        await this.detectIndexMode();
      } catch (err) {
        throw new RetryableError(`cannot reach elasticsearch: ${(err as Error).message}`);
      }
    }
    const lines: string[] = [];
    for (const { record, json } of batch) {
      lines.push(
        `{"create":{"_index":${JSON.stringify(this.indexFor(record))},"_id":${JSON.stringify(record.id)}}}`,
        json,
      );
    }
    let body: { errors: boolean; items: Array<Record<string, BulkItemResult>> };
    try {
      const response = await this.client.bulk({ body: `${lines.join('\n')}\n` });
      body = response.body as typeof body;
    } catch (err) {
      throw new RetryableError(`bulk request failed: ${(err as Error).message}`);
    }
    const outcome: SinkOutcome = { retry: [], rejected: [] };
    if (!body.errors) return outcome;
    body.items.forEach((entry, i) => {
      const result = entry.create ?? Object.values(entry)[0];
      const item = batch[i];
      if (result.status < 300 || result.status === 409) return;
      const reason = describeError(result.error);
      if (result.status === 429 || result.status >= 500) outcome.retry.push({ item, reason });
      else outcome.rejected.push({ item, reason: `${result.status} ${reason}` });
    });
    return outcome;
  }
}
