import { join } from 'node:path';
import { checkTimezone } from '../../codecs/snort/time.js';
import type { LogKind } from '../../plugins/files/records.js';
import { createTailSource } from '../../plugins/files/tail.js';
import { createKafkaSource } from '../../plugins/kafka/source.js';
import type { FlowtrailConfig } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';
import type { Source } from '../../src/pipeline/types.js';
import type { LocalNetworks } from '../../src/schema/locality.js';
import { dataDirOf } from './paths.js';

const LOG_KINDS: LogKind[] = ['zeek', 'suricata', 'snort'];

/** Where a tailed input keeps its read positions. */
export function positionFileOf(config: FlowtrailConfig, kind: LogKind): string {
  return join(dataDirOf(config), 'inputs', `${kind}.positions.json`);
}

/** The enabled Zeek, Suricata and Snort file inputs and the Kafka input, with what to log about each. */
export function createLogInputs(
  config: FlowtrailConfig,
  localNetworks: LocalNetworks,
): { sources: Source[]; describe: Record<string, unknown> } {
  const sources: Source[] = [];
  const describe: Record<string, unknown> = {};
  for (const kind of LOG_KINDS) {
    const input = config.inputs[kind];
    if (!input.enabled) continue;
    const timezone = kind === 'snort' ? config.inputs.snort.timezone : 'UTC';
    try {
      checkTimezone(timezone);
    } catch (err) {
      throw new ConfigError(`inputs.snort.timezone: ${(err as Error).message}`);
    }
    sources.push(
      createTailSource({
        kind,
        paths: input.paths,
        include: input.include,
        pollIntervalMs: input.poll_interval,
        stateFile: positionFileOf(config, kind),
        localNetworks,
        timezone,
      }),
    );
    describe[kind] = input.paths;
  }
  const kafka = config.inputs.kafka;
  if (kafka.enabled) {
    sources.push(
      createKafkaSource({
        brokers: kafka.brokers,
        clientId: kafka.client_id,
        groupId: kafka.group_id,
        fromBeginning: kafka.from_beginning,
        topics: kafka.topics,
        localNetworks,
      }),
    );
    describe.kafka = kafka.topics.map((t) => t.topic);
  }
  return { sources, describe };
}
