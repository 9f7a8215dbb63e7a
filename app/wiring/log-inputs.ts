import { join } from 'node:path';
import type { Logger } from 'pino';
import { createTailSource } from '../../plugins/files/tail.js';
import { createKafkaSource } from '../../plugins/kafka/source.js';
import type { MessageCodec } from '../../src/codec/messages.js';
import type { Codec } from '../../src/codec/types.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { withEnrichment } from '../../src/enrich/documents.js';
import type { Enrichers } from '../../src/enrich/enrichers.js';
import type { Source } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { codecNamed, messageCodecNamed } from './codecs.js';
import { dataDirOf } from './paths.js';

/** The inputs that tail log files, each named after its format. */
const FILE_INPUTS = ['zeek', 'suricata', 'snort'] as const;

/** Where a tailed input keeps its read positions. */
export function positionFileOf(config: FlowtrailConfig, input: string): string {
  return join(dataDirOf(config), 'inputs', `${input}.positions.json`);
}

/** Says once per codec, as its first input starts, why it runs slower than it could. */
function reportDegraded(codecs: Iterable<Codec | MessageCodec>, logger: Logger): void {
  const named = new Map([...codecs].map((codec) => [codec.name, codec]));
  for (const codec of named.values()) {
    const reason = codec.degraded?.();
    if (reason !== undefined) logger.warn({ codec: codec.name }, reason);
  }
}

/** The enabled Zeek, Suricata and Snort file inputs and the Kafka input, with what to log about each. */
export function createLogInputs(
  config: FlowtrailConfig,
  localNetworks: LocalNetworks,
  logger: Logger,
  enrichers: Enrichers,
): { sources: Source[]; describe: Record<string, unknown> } {
  const sources: Source[] = [];
  const describe: Record<string, unknown> = {};
  const used: Array<Codec | MessageCodec> = [];
  for (const name of FILE_INPUTS) {
    const input = config.inputs[name];
    if (!input.enabled) continue;
    const codec = codecNamed(name);
    used.push(codec);
    sources.push(
      createTailSource({
        name,
        codec,
        paths: input.paths,
        include: input.include,
        pollIntervalMs: input.poll_interval,
        stateFile: positionFileOf(config, name),
        localNetworks,
        timezone: name === 'snort' ? config.inputs.snort.timezone : 'UTC',
      }),
    );
    describe[name] = input.paths;
  }
  const kafka = config.inputs.kafka;
  if (kafka.enabled) {
    const topics = kafka.topics.map(({ topic, format }) => ({ topic, codec: messageCodecNamed(format) }));
    used.push(...topics.map((t) => t.codec));
    sources.push(
      createKafkaSource({
        brokers: kafka.brokers,
        clientId: kafka.client_id,
        groupId: kafka.group_id,
        fromBeginning: kafka.from_beginning,
        topics,
        localNetworks,
      }),
    );
    describe.kafka = kafka.topics.map((t) => t.topic);
  }
  reportDegraded(used, logger);
  return { sources: sources.map((source) => withEnrichment(source, enrichers)), describe };
}
