import pino from 'pino';
import type { DeadLetterEntry, PipelineRecord, SourceContext } from '../../src/pipeline/types.js';
import { LocalNetworks } from '../../src/schema/locality.js';

/** RFC 1918 and the other ranges Elastic's `internal_networks: private` covers. */
export const PRIVATE_NETWORKS = new LocalNetworks([
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  'fd00::/8',
]);

/** A SourceContext that keeps what a source emits and dead-letters, for tests. */
export function recordingContext(signal = new AbortController().signal): SourceContext & {
  records: PipelineRecord[];
  dead: DeadLetterEntry[];
  batches: number;
} {
  const records: PipelineRecord[] = [];
  const dead: DeadLetterEntry[] = [];
  const ctx = {
    logger: pino({ level: 'silent' }),
    signal,
    counters: { recordsIn() {}, recordsFailed() {}, repaired() {} },
    records,
    dead,
    batches: 0,
    async emit(batch: PipelineRecord[], onWritten?: () => void) {
      ctx.batches++;
      records.push(...batch);
      onWritten?.();
    },
    deadLetter(entry: DeadLetterEntry) {
      dead.push(entry);
    },
  };
  return ctx;
}
