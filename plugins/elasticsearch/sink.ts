import { ConfigError, RetryableError, StoreError } from '../../src/errors.js';
import type { OutgoingRecord, Sink, SinkOutcome } from '../../src/pipeline/types.js';
import { dailyIndexName, dataStreamName, type IndexMode } from '../../src/store/naming.js';
import { accessError, detectCapabilities } from './capabilities.js';
import { type EsClient, EsError } from './client.js';
import { checkPrivileges, writerPrivileges } from './privileges.js';
import { storedReplays } from './replay-check.js';

interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

function describeError(error: BulkItemResult['error']): string {
  if (!error) return 'unknown error';
  const cause = error.caused_by ? ` (caused by ${error.caused_by.type}: ${error.caused_by.reason})` : '';
  return `${error.type ?? 'error'}: ${error.reason ?? ''}${cause}`;
}

const TIMESTAMP_PREFIX = '{"@timestamp":"';

/**
 * The document's @timestamp for picking its daily index. flowtrail's mappings write it as the first key, so it is
 * read off the serialized JSON; parsing the document (which a worker may have serialized) would cost more.
 */
function timestampOf(record: OutgoingRecord['record'], json: string): string {
  if (json.startsWith(TIMESTAMP_PREFIX) && json.charCodeAt(TIMESTAMP_PREFIX.length + 10) === 84) {
    return json.slice(TIMESTAMP_PREFIX.length, TIMESTAMP_PREFIX.length + 10);
  }
  const timestamp = record.doc['@timestamp'];
  return typeof timestamp === 'string' && timestamp.length >= 10 ? timestamp : new Date().toISOString();
}

/**
 * A failure of a whole request: an outage is retried by the pipeline, a refusal (credentials, privileges, a
 * request the server will never take) stops it with a clear error instead of being retried forever.
 */
function failureOf(err: unknown, target: string, doing: string): Error {
  if (err instanceof ConfigError) return err;
  if (!(err instanceof EsError)) return err as Error;
  if (err.retryable) return new RetryableError(err.message);
  if (err.failure === 'unauthorized' || err.failure === 'forbidden') return accessError(err, target, doing);
  return new StoreError(`${target} refused ${doing}: ${err.message}`);
}

type BulkResponse = { errors: boolean; items: Array<Record<string, BulkItemResult>> };

/**
 * Writes batches with one `_bulk` request each. Documents are created with their deterministic id, so a batch
 * that is sent again after a timeout or a restart answers 409 for what is already there instead of duplicating it.
 * In data-stream mode that holds only within the stream's current backing index, so records that may have been
 * written before (`replayed`) are looked up in every backing index first, and those found are not sent again.
 */
export class ElasticsearchSink implements Sink {
  readonly name = 'elasticsearch';

  constructor(
    private readonly client: EsClient,
    private readonly namespace: string,
    private indexMode?: IndexMode,
  ) {}

  /**
   * Learns what the server is and checks that we may write to it. A server that is down now is asked again at the
   * first write; one that refuses us, or lacks a privilege we need, stops the start with an error that says so.
   */
  async start(): Promise<void> {
    try {
      await this.detectIndexMode();
    } catch (err) {
      if (err instanceof EsError && err.retryable) return;
      throw failureOf(err, this.client.target, 'the start of the writer');
    }
  }

  private async detectIndexMode(): Promise<void> {
    if (this.indexMode !== undefined) return;
    const cluster = await detectCapabilities(this.client);
    await checkPrivileges(this.client, cluster, writerPrivileges(cluster), 'writing documents');
    this.indexMode = cluster.indexMode;
  }

  /** `{"create":{"_index":"…","_id":"` per index name, so a batch builds its action lines by concatenation. */
  private readonly actionPrefixes = new Map<string, string>();

  private actionPrefix(index: string): string {
    let prefix = this.actionPrefixes.get(index);
    if (prefix === undefined) {
      prefix = `{"create":{"_index":${JSON.stringify(index)},"_id":`;
      if (this.actionPrefixes.size > 10_000) this.actionPrefixes.clear();
      this.actionPrefixes.set(index, prefix);
    }
    return prefix;
  }

  private indexFor({ record, json }: OutgoingRecord): string {
    if (this.indexMode === 'data_stream') return dataStreamName(record.dataset, this.namespace);
    return dailyIndexName(record.dataset, this.namespace, timestampOf(record, json));
  }

  async write(batch: readonly OutgoingRecord[]): Promise<SinkOutcome> {
    try {
      await this.detectIndexMode();
      const send = await this.notYetStored(batch);
      return send.length === 0 ? { retry: [], rejected: [] } : this.outcomeOf(send, await this.bulk(send));
    } catch (err) {
      throw failureOf(err, this.client.target, 'a bulk write');
    }
  }

  private async notYetStored(batch: readonly OutgoingRecord[]): Promise<readonly OutgoingRecord[]> {
    if (this.indexMode !== 'data_stream') return batch;
    const replayed = batch.filter((item) => item.record.replayed);
    if (replayed.length === 0) return batch;
    const stored = await storedReplays(this.client, replayed, (item) => this.indexFor(item));
    return stored.size === 0 ? batch : batch.filter((item) => !stored.has(item));
  }

  private async bulk(batch: readonly OutgoingRecord[]): Promise<BulkResponse> {
    const lines: string[] = [];
    for (const item of batch) {
      lines.push(`${this.actionPrefix(this.indexFor(item))}${JSON.stringify(item.record.id)}}}`, item.json);
    }
    const response = await this.client.request<BulkResponse>({
      method: 'POST',
      path: '/_bulk',
      ndjson: `${lines.join('\n')}\n`,
    });
    return response.body;
  }

  private outcomeOf(batch: readonly OutgoingRecord[], body: BulkResponse): SinkOutcome {
    const outcome: SinkOutcome = { retry: [], rejected: [] };
    if (!body.errors) return outcome;
    body.items.forEach((entry, i) => {
      const result = entry.create ?? Object.values(entry)[0];
      const item = batch[i];
      if (result.status < 300 || result.status === 409) return;
      const reason = describeError(result.error);
      if (result.status === 401 || result.status === 403) {
        throw new EsError(reason, result.status === 401 ? 'unauthorized' : 'forbidden', result.status);
      }
      if (result.status === 429 || result.status >= 500) outcome.retry.push({ item, reason });
      else outcome.rejected.push({ item, reason: `${result.status} ${reason}` });
    });
    return outcome;
  }
}
