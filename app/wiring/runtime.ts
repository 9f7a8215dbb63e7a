import type { Logger } from 'pino';
import type { EsClient } from '../../plugins/elasticsearch/client.js';
import { ElasticsearchSink } from '../../plugins/elasticsearch/sink.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { Metrics } from '../../src/observability/metrics.js';
import { DeadLetterWriter } from '../../src/pipeline/dead-letter.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { Spool } from '../../src/pipeline/spool.js';
import { deadLetterDirOf, spoolDirOf } from './paths.js';

export interface Runtime {
  pipeline: Pipeline;
  metrics: Metrics;
  deadLetter: DeadLetterWriter;
}

/** One pipeline writing to Elasticsearch, configured from the `elasticsearch`, `queue` and `dead_letter` sections. */
export function createRuntime(
  config: FlowtrailConfig,
  client: EsClient,
  logger: Logger,
  metrics = new Metrics(),
  /** How long `finish` waits for the store before it spools what is left; a one-shot import waits for all of it. */
  shutdownGraceMs?: number,
): Runtime {
  const es = config.elasticsearch;
  const deadLetter = new DeadLetterWriter(deadLetterDirOf(config), {
    maxBytes: config.dead_letter.max_bytes,
    minFreeBytes: config.dead_letter.min_free_bytes,
  });
  const pipeline = new Pipeline({
    sinks: [new ElasticsearchSink(client, es.namespace)],
    logger,
    metrics,
    deadLetter,
    spool: new Spool(spoolDirOf(config)),
    batch: {
      maxDocs: es.bulk.max_docs,
      maxBytes: es.bulk.max_bytes,
      flushIntervalMs: es.bulk.flush_interval,
      concurrency: es.bulk.concurrency,
    },
    retry: { initialBackoffMs: es.retry.initial_backoff, maxBackoffMs: es.retry.max_backoff },
    maxQueuedRecords: config.queue.max_records,
    // What can be unwritten when a process ends: queued (up to twice the limit, past which records are dropped)
    // and in flight. A source resumes from a position no further back.
    replayWindow: 2 * config.queue.max_records + es.bulk.concurrency * es.bulk.max_docs,
    shutdownGraceMs,
  });
  return { pipeline, metrics, deadLetter };
}
