import type { Client } from '@elastic/elasticsearch';
import { RetryableError } from '../../src/errors.js';
import type { OutgoingRecord, Sink, SinkOutcome } from '../../src/pipeline/types.js';
import { dailyIndexName, dataStreamName, type IndexMode } from '../../src/store/naming.js';
import { detectCapabilities } from './capabilities.js';

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
    if (this.indexMode === undefined) {
      try {
        await this.detectIndexMode();
      } catch (err) {
        throw new RetryableError(`cannot reach elasticsearch: ${(err as Error).message}`);
      }
    }
    const lines: string[] = [];
    for (const item of batch) {
      lines.push(`${this.actionPrefix(this.indexFor(item))}${JSON.stringify(item.record.id)}}}`, item.json);
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
