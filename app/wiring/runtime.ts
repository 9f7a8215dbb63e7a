import { join } from 'node:path';
import type { Logger } from 'pino';
import type { EsClient } from '../../plugins/elasticsearch/client.js';
import { ElasticsearchSink } from '../../plugins/elasticsearch/sink.js';
import { KafkaSink } from '../../plugins/kafka/sink.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { Metrics } from '../../src/observability/metrics.js';
import { DeadLetterWriter } from '../../src/pipeline/dead-letter.js';
import { Pipeline, type PipelineOptions } from '../../src/pipeline/pipeline.js';
import { Spool } from '../../src/pipeline/spool.js';
import type { Sink } from '../../src/pipeline/types.js';
import { dataDirOf, deadLetterDirOf, spoolDirOf } from './paths.js';

export interface Runtime {
  pipeline: Pipeline;
  metrics: Metrics;
  deadLetter: DeadLetterWriter;
}

interface RuntimeParts {
  sink: Sink;
  batch: PipelineOptions['batch'];
  spoolDir: string;
  shutdownGraceMs?: number;
}

function buildRuntime(
  config: FlowtrailConfig,
  logger: Logger,
  metrics: Metrics,
  parts: RuntimeParts,
): Runtime {
  const es = config.elasticsearch;
  const deadLetter = new DeadLetterWriter(deadLetterDirOf(config), {
    maxBytes: config.dead_letter.max_bytes,
    minFreeBytes: config.dead_letter.min_free_bytes,
  });
  const { batch } = parts;
  const pipeline = new Pipeline({
    sinks: [parts.sink],
    logger,
    metrics,
    deadLetter,
    spool: new Spool(parts.spoolDir),
    batch,
    retry: { initialBackoffMs: es.retry.initial_backoff, maxBackoffMs: es.retry.max_backoff },
    maxQueuedRecords: config.queue.max_records,
    // What can be unwritten when a process ends: queued (up to twice the limit, past which records are dropped)
    // and in flight. A source resumes from a position no further back.
    replayWindow: 2 * config.queue.max_records + batch.concurrency * batch.maxDocs,
    shutdownGraceMs: parts.shutdownGraceMs,
  });
  return { pipeline, metrics, deadLetter };
}

function elasticsearchBatch(config: FlowtrailConfig): PipelineOptions['batch'] {
  const { bulk } = config.elasticsearch;
  return {
    maxDocs: bulk.max_docs,
    maxBytes: bulk.max_bytes,
    flushIntervalMs: bulk.flush_interval,
    concurrency: bulk.concurrency,
  };
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
  return buildRuntime(config, logger, metrics, {
    sink: new ElasticsearchSink(client, config.elasticsearch.namespace),
    batch: elasticsearchBatch(config),
    spoolDir: spoolDirOf(config),
    shutdownGraceMs,
  });
}

/**
 * `flowtrail index`: the Elasticsearch pipeline with a spool of its own, so that a collector sharing the data
 * directory never writes an indexer's leftovers (or the other way round).
 */
export function createIndexerRuntime(config: FlowtrailConfig, client: EsClient, logger: Logger): Runtime {
  return buildRuntime(config, logger, new Metrics(), {
    sink: new ElasticsearchSink(client, config.elasticsearch.namespace),
    batch: elasticsearchBatch(config),
    spoolDir: join(dataDirOf(config), 'spool-indexer'),
  });
}

/** `collect` with `outputs.kafka`: one pipeline writing to Kafka, a batch at a time so that keys keep their order. */
export function createKafkaRuntime(config: FlowtrailConfig, logger: Logger): Runtime {
  const kafka = config.outputs.kafka;
  const sink = new KafkaSink({
    brokers: kafka.brokers,
    clientId: kafka.client_id,
    topics: kafka.topics,
    compression: kafka.compression,
    ackTimeoutMs: kafka.ack_timeout,
    maxMessageBytes: kafka.max_message_bytes,
    createTopics: { partitions: kafka.partitions, replicationFactor: kafka.replication_factor },
    logger: logger.child({ plugin: 'kafka' }),
  });
  return buildRuntime(config, logger, new Metrics(), {
    sink,
    batch: {
      maxDocs: kafka.batch.max_messages,
      maxBytes: kafka.batch.max_bytes,
      flushIntervalMs: kafka.batch.linger,
      concurrency: 1,
    },
    spoolDir: spoolDirOf(config),
  });
}
